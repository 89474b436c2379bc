// node-gyp-build ships no types; this is the part of its API the kernel transport uses.
declare module 'node-gyp-build' {
  interface NodeGypBuild {
    /** Loads the native addon found for `dir` (build/Release/, then prebuilds/<platform>-<arch>/). */
    (dir: string): unknown;
    /** The path of that addon; throws "No native build was found ..." when there is none. */
    resolve(dir: string): string;
  }
  const load: NodeGypBuild;
  export default load;
}
