/** The message of a thrown value, for logs and conditions: an `Error`'s message, anything else as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
