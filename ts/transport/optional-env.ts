// Environment variables the host only looks at (test and bench hooks), read
// so that a sandbox which hides them (Deno without --allow-env) leaves them
// unset instead of failing the start: a Deno user grants nothing for them.

export function optionalEnv(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}
