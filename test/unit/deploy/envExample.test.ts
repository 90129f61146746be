import { describe, expect, it } from 'vitest';
import { ACTIVE_LINE, COMMENTED_LINE, composeVariables, readCompose, readEnvExample } from './support';

const { raw, doc } = readCompose();
const example = readEnvExample();

describe('.env.example', () => {
  it('lists exactly the variables docker-compose.yml reads', () => {
    expect([...example.documented].sort()).toEqual([...composeVariables(raw, doc)].sort());
  });

  it('lists each variable once', () => {
    expect(new Set(example.documented).size).toBe(example.documented.length);
  });

  it('explains every variable in a comment just above it', () => {
    const undocumented = example.lines
      .map((line, index) => ({ line, above: example.lines[index - 1] ?? '' }))
      .filter(({ line }) => ACTIVE_LINE.test(line) || COMMENTED_LINE.test(line))
      .filter(({ above }) => !above.startsWith('#') || COMMENTED_LINE.test(above) || above.replace(/^#\s*/, '').length < 10)
      .map(({ line }) => line);
    expect(undocumented).toEqual([]);
  });

  it('leaves optional variables commented out, never empty (an empty value is still a value)', () => {
    const empty = Object.entries(example.active).filter(([, value]) => value.trim() === '');
    expect(empty).toEqual([]);
  });

  it('holds no token or client secret, not even commented out', () => {
    const secretLike = example.documented.filter((name) => /^XTREMEPUSH_(APPTOKEN|OAUTH_CLIENT_SECRET)$|API_KEY$/.test(name));
    expect(secretLike).toEqual([]);
    expect(example.active.XTREMEPUSH_APPTOKEN_SECRET_FILE).toMatch(/^\.\/secrets\//);
  });

  it('does not point the workers at the sandbox unless asked', () => {
    expect(example.active.XTREMEPUSH_API_URL).toBeUndefined();
  });
});
