import { describe, expect, it } from 'vitest';
import { inspectWithIdentityIndex } from '../../../activities/dedupe';
import { BlockDigester } from '../../../activities/source/blockDigests';
import { LocalFileSource } from '../../../activities/source/byteSource';
import type { SourceLayout } from '../../../common/plan';
import { rejectionOf } from '../../support/rejection';
import { writeTemp } from './support';

const rows = Array.from({ length: 5_000 }, (_, i) => `u${i},name ${i}`).join('\n');

describe('the inspection tells the layout as soon as it is known', () => {
  it('once, at the start of the pass: the final layout but for the content hash', async () => {
    // After a BOM and a blank line, in small chunks: the layout is told long before the last one.
    const file = writeTemp('layout.csv', `\ufeffuser_id;first_name\n\n${rows.replaceAll(',', ';')}\n`);
    const told: Array<{ layout: SourceLayout; bytesRead: number }> = [];
    // The digester is fed every chunk the pass reads: it counts how far the pass has gone.
    const digester = new BlockDigester();
    const feed = digester.feed.bind(digester);
    let bytesRead = 0;
    digester.feed = (chunk) => {
      bytesRead += chunk.length;
      feed(chunk);
    };
    const result = await inspectWithIdentityIndex(new LocalFileSource(file, { chunkBytes: 1_024 }), {
      format: 'csv',
      supersededFile: `${file}.superseded`,
      digester,
      onLayout: (layout) => told.push({ layout, bytesRead }),
    });
    expect(told).toHaveLength(1);
    expect(told[0]?.bytesRead).toBeLessThanOrEqual(2_048);
    expect(bytesRead).toBe(result.layout.fingerprint.size);
    expect(told[0]?.layout).toEqual({ ...result.layout, fingerprint: { ...result.layout.fingerprint, sha256: '' } });
    expect(result.layout.fingerprint.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(told[0]?.layout).toMatchObject({ delimiter: ';', header: ['user_id', 'first_name'], hasBom: true, dataStartLine: 3 });
  });

  it('not for a file the mapping does not fit: the pass stops at its header', async () => {
    const file = writeTemp('no-identity.csv', `email,first_name\n${rows}\n`);
    const told: SourceLayout[] = [];
    const error = await rejectionOf(inspectWithIdentityIndex(new LocalFileSource(file), { format: 'csv', supersededFile: `${file}.superseded`, onLayout: (layout) => told.push(layout) }));
    expect((error as Error).name).toBe('MappingError');
    expect(told).toEqual([]);
  });
});
