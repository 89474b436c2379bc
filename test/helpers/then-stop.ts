// A test that starts something (a server, a worker) must stop it whatever
// happens, and often checks what stopping it reports (exit code, stats).
// Those checks cannot sit in a `finally`: when the test body failed they fail
// too (a broken echo leaves odd stats) and their failure is the one reported,
// hiding the real one.

/**
 * Runs `body`, then `stop`, always. If `body` failed, its failure is thrown
 * (a failure to stop as well is added to its message); otherwise resolves
 * with what `stop` gave, for the caller to check after its own checks.
 */
export async function thenStop<S>(body: () => Promise<void>, stop: () => Promise<S>): Promise<S> {
  try {
    await body();
  } catch (error) {
    await stop().catch((stopError: unknown) => {
      if (error instanceof Error) error.message += `\n(stopping afterwards failed too: ${stopError instanceof Error ? stopError.message : String(stopError)})`;
    });
    throw error;
  }
  return stop();
}
