/** The message of anything thrown (native addons' errors are not `instanceof Error` across realms, e.g. under jest). */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
