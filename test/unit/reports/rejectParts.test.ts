import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toApplicationFailure } from '../../../activities/failures';
import { appendRejectPart, readRejectPart, RejectPartError, writeRejectPart, type RejectedRow } from '../../../activities/reports/rejectParts';

const folder = mkdtempSync(path.join(tmpdir(), 'xp-import-parts-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const row = (n: number, cell = `u${n}`): RejectedRow => ({ row: n, line: n + 1, column: 'email', reason: 'not an email', cells: [cell, 'x'] });

describe('reject parts after a write cut short (a full disk, a crash mid-append)', () => {
  it('a last line without its newline is not read, and the next append does not run on from it', async () => {
    const file = path.join(folder, 'rejects', 'batch-0000001-api.part');
    await appendRejectPart(file, [row(1)]);
    // Half a line, as ENOSPC leaves it. Before, reading threw "Unterminated string in JSON" on every attempt.
    appendFileSync(file, JSON.stringify(row(2)).slice(0, 30));
    expect(await readRejectPart(file)).toEqual([row(1)]);

    // The attempt that sends row 2 again appends it whole; before, it was glued to the torn half.
    await appendRejectPart(file, [row(2)]);
    expect(await readRejectPart(file)).toEqual([row(1), row(2)]);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
  });

  it('a torn line longer than the block looked at is cut back to the line before it', async () => {
    const file = path.join(folder, 'long.part');
    await appendRejectPart(file, [row(1)]);
    appendFileSync(file, JSON.stringify(row(2, 'y'.repeat(200_000))).slice(0, 150_000));
    await appendRejectPart(file, [row(3)]);
    expect(await readRejectPart(file)).toEqual([row(1), row(3)]);
  });

  it('a line not written by the worker (edited, two writers at once) is named by its number, and its cells are never quoted', async () => {
    const file = path.join(folder, 'edited', 'batch-0000003-api.part');
    await appendRejectPart(file, [row(1)]);
    appendFileSync(file, `x_garbled_${JSON.stringify(row(2, 'garbled.person@example.com'))}\n`);
    await appendRejectPart(file, [row(3)]);
    const error = await readRejectPart(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RejectPartError);
    expect(error).toMatchObject({ file, line: 2 });
    const failure = toApplicationFailure(error);
    expect(failure.message).toMatch(/^line 2 of .*batch-0000003-api\.part is not a rejected row/);
    expect(failure.message).not.toContain('garbled');
    expect(failure.nonRetryable).toBe(false);
  });

  it("any JSON.parse error that reaches Temporal loses the text V8 quotes from its input", () => {
    let thrown: unknown;
    try {
      JSON.parse('private.person@example.com,"x"');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toContain('private.pe');
    const failure = toApplicationFailure(thrown);
    expect(failure.type).toBe('SyntaxError');
    expect(failure.message).not.toContain('private');
    expect(failure.message).toBe('Unexpected token');
  });

  it('a part rewritten whole leaves nothing of the part before it, and no file beside it', async () => {
    const file = path.join(folder, 'whole', 'batch-0000002.part');
    await writeRejectPart(file, [row(1), row(2)]);
    await writeRejectPart(file, [row(3)]);
    expect(await readRejectPart(file)).toEqual([row(3)]);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(row(3))}\n`);
    expect(readdirSync(path.dirname(file))).toEqual(['batch-0000002.part']);
  });

  it('a batch that rejects nothing has no part, and an attempt that rejects nothing removes the part before it', async () => {
    const file = path.join(folder, 'none', 'batch-0000003.part');
    await writeRejectPart(file, []);
    expect(existsSync(path.dirname(file))).toBe(false);
    await writeRejectPart(file, [row(1)]);
    await writeRejectPart(file, []);
    expect(readdirSync(path.dirname(file))).toEqual([]);
    expect(await readRejectPart(file)).toEqual([]);
  });
});

describe('a report folder that cannot be written', () => {
  it('fails the step with the file, the cause in words and what to do, and leaves it to be tried again', () => {
    // As node gives a full disk: before, status showed "ENOSPC: no space left on device, write".
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/srv/reports/imp/rejects/batch-0000001.part' });
    const failure = toApplicationFailure(full, 2_000);
    expect({ type: failure.type, message: failure.message, nonRetryable: failure.nonRetryable, delay: Number(failure.nextRetryDelay) }).toEqual({
      type: 'DiskError',
      message: 'cannot write /srv/reports/imp/rejects/batch-0000001.part (ENOSPC): its disk is full: free space there; the step is tried again',
      nonRetryable: false,
      delay: 2_000,
    });
    // Any other error keeps its own name and message.
    expect(toApplicationFailure(new SyntaxError('bad')).type).toBe('SyntaxError');
  });
});
