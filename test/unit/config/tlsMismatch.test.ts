import { describe, expect, it } from 'vitest';
import { tlsMismatchHint } from '../../../common/tlsMismatch';

/** The transports' words, as the worker (rustls, tonic) and the client (grpc-js) report them. */
const plainTextAnswer = new Error('tonic::transport::Error(Transport, hyper::Error(Connect, Custom { kind: InvalidData, error: InvalidContentType }))');
const clientTimedOut = new Error('Failed to connect before the deadline');
const hungUp = new Error('transport error: Broken pipe (os error 32) BrokenPipe');
const closedBetweenWrites = new Error('transport error: operation was canceled');
const refused = new Error('tcp connect error: Connection refused (os error 111)');

describe('what a failed connection adds about TEMPORAL_TLS (tlsMismatchHint), for the worker and the client alike', () => {
  it('TLS on and a plain-text answer: TEMPORAL_TLS does not match', () => {
    expect(tlsMismatchHint(plainTextAnswer, true)).toMatch(/^; TLS is on but the server answered in plain text, .*unset TEMPORAL_TLS/);
  });

  it('TLS on and a time-out: the server may be plain text, and says what to unset', () => {
    expect(tlsMismatchHint(clientTimedOut, true)).toMatch(/^; TLS is on, and a plain-text server fails it this way too: if the server is plain text, .*unset TEMPORAL_TLS/);
  });

  it('TLS off and a server that hangs up: set TEMPORAL_TLS=true', () => {
    expect(tlsMismatchHint(hungUp, false)).toMatch(/^; TLS is off, .*set TEMPORAL_TLS=true$/);
    expect(tlsMismatchHint('read ECONNRESET: connection reset by peer', false)).toMatch(/^; TLS is off/);
    // The same hang-up seen between two writes (a CI run's worker said only this).
    expect(tlsMismatchHint(closedBetweenWrites, false)).toMatch(/^; TLS is off, .*set TEMPORAL_TLS=true$/);
    expect(tlsMismatchHint('hyper::Error(IncompleteMessage): connection closed before message completed', false)).toMatch(/^; TLS is off/);
  });

  it('says nothing where the setting is not in question', () => {
    expect(tlsMismatchHint(refused, true)).toBe('');
    expect(tlsMismatchHint(refused, false)).toBe('');
    // The same words with the other setting: a plain-text answer is right for TLS off, a hang-up is no sign TLS on is wrong.
    expect(tlsMismatchHint(plainTextAnswer, false)).toBe('');
    expect(tlsMismatchHint(clientTimedOut, false)).toBe('');
    expect(tlsMismatchHint(hungUp, true)).toBe('');
    expect(tlsMismatchHint(closedBetweenWrites, true)).toBe('');
  });
});
