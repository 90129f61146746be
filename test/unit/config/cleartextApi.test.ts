import { describe, expect, it } from 'vitest';
import { cleartextApiHost } from '../../../workers/config';

describe('an API reached over plain http', () => {
  it('is named when its host is another machine: the token would cross the network in clear text', () => {
    expect(cleartextApiHost('http://api.internal.example.com/')).toBe('api.internal.example.com');
    expect(cleartextApiHost('http://10.0.0.5:8080')).toBe('10.0.0.5');
    expect(cleartextApiHost('http://sandbox:8080')).toBe('sandbox');
  });

  it('is not when it is https, or this machine (the sandbox on loopback)', () => {
    expect(cleartextApiHost('https://external-api.xtremepush.com/')).toBeUndefined();
    expect(cleartextApiHost('http://127.0.0.1:7534')).toBeUndefined();
    expect(cleartextApiHost('http://localhost:7534')).toBeUndefined();
    expect(cleartextApiHost('http://[::1]:7534')).toBeUndefined();
  });
});
