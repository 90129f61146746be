/**
 * What the worker and the client add to a failed Temporal connection when its TLS setting may
 * not be the server's: the transport's own words (or the client's bare time-out) sent people
 * looking for a server that was running. Empty when the error looks like nothing of the kind.
 *
 * - rustls (the worker) reading a plain-text answer says `InvalidContentType`;
 * - grpc-js (the client) with TLS on against a plain-text server only times out ("before the
 *   deadline"), as it does when no server runs, so its hint says "may";
 * - a TLS server hangs up on a plain-text client: a broken pipe or a reset, or hyper's "operation
 *   was canceled" / "connection closed before message completed" when the hang-up comes between
 *   the worker's writes rather than during one (which of them is a matter of timing).
 */
export function tlsMismatchHint(error: unknown, tlsOn: boolean): string {
  const text = error instanceof Error ? error.message : String(error);
  const forPlainText = 'for a plain-text server (a dev server, the compose stack) unset TEMPORAL_TLS, TEMPORAL_API_KEY(_FILE) and TEMPORAL_TLS_CERT, which turn TLS on';
  if (tlsOn && /InvalidContentType|InvalidMessage|wrong version number/i.test(text)) {
    return `; TLS is on but the server answered in plain text, so TEMPORAL_TLS does not match the server: ${forPlainText}`;
  }
  if (tlsOn && /before the deadline/i.test(text)) {
    return `; TLS is on, and a plain-text server fails it this way too: if the server is plain text, TEMPORAL_TLS does not match the server: ${forPlainText}`;
  }
  if (!tlsOn && /BrokenPipe|broken pipe|ConnectionReset|connection reset|operation was canceled|connection closed before message completed/i.test(text)) {
    return '; TLS is off, and a server that expects TLS hangs up on a plain-text connection like this (a broken pipe, a reset, a closed connection): if it does (Temporal Cloud, a TLS cluster), TEMPORAL_TLS does not match the server: set TEMPORAL_TLS=true';
  }
  return '';
}
