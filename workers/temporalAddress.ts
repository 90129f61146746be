/**
 * What the worker adds to the SDK's word about a Temporal connection, where that word alone sent
 * people looking for a server that was running. The client's own (it only times out) is in
 * client/connect.ts; the address check both make is temporalAddressProblem in common/config.ts.
 */

/**
 * A connection whose TLS setting is not the server's fails with the transport's words, not with
 * ours: rustls reading a plain-text answer says `InvalidContentType`, and a TLS server hangs up on a
 * plain-text client (`BrokenPipe`). Empty when the error does not look like either.
 */
export function tlsMismatchHint(error: unknown, tlsOn: boolean): string {
  const text = error instanceof Error ? error.message : String(error);
  if (tlsOn && /InvalidContentType|InvalidMessage|wrong version number/i.test(text)) {
    return '; TLS is on but the server answered in plain text, so TEMPORAL_TLS does not match the server: for a plain-text server (a dev server, the compose stack) unset TEMPORAL_TLS, TEMPORAL_API_KEY(_FILE) and TEMPORAL_TLS_CERT, which turn TLS on';
  }
  if (!tlsOn && /BrokenPipe|broken pipe|ConnectionReset|connection reset/i.test(text)) {
    return '; TLS is off, and a server that expects TLS hangs up on a plain-text connection like this (a broken pipe or a reset): if it does (Temporal Cloud, a TLS cluster), TEMPORAL_TLS does not match the server: set TEMPORAL_TLS=true';
  }
  return '';
}
