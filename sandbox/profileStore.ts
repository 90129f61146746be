import { HashedKeySet } from './hashedKeySet';
import type { ImportBatch } from './importRequest';

/** Where applied rows end up: the oracle tests compare with their input. */
export interface ProfileStore {
  /** Distinct identities seen. */
  readonly size: number;
  /** Merges each row into its identity's profile: a cell overwrites its attribute, others are kept. */
  apply(batch: ImportBatch): void;
  /** Copies of the stored profiles (empty in 'count' mode). */
  snapshot(): Map<string, Record<string, unknown>>;
  /** The first `limit` profiles, for list/profile. */
  first(limit: number): Record<string, unknown>[];
  clear(): void;
}

export function createProfileStore(kind: 'full' | 'count'): ProfileStore {
  return kind === 'full' ? new FullProfileStore() : new CountingProfileStore();
}

class FullProfileStore implements ProfileStore {
  /** Plain objects keep V8's fast shapes; the request parser refuses a `__proto__` column. */
  private readonly profiles = new Map<string, Record<string, unknown>>();

  get size(): number {
    return this.profiles.size;
  }

  apply({ columns, rows, identityKeys }: ImportBatch): void {
    for (let index = 0; index < rows.length; index++) {
      const key = identityKeys[index]!;
      let profile = this.profiles.get(key);
      if (profile === undefined) {
        profile = {};
        this.profiles.set(key, profile);
      }
      const row = rows[index]!;
      for (let column = 0; column < columns.length; column++) profile[columns[column]!] = row[column];
    }
  }

  snapshot(): Map<string, Record<string, unknown>> {
    const copy = new Map<string, Record<string, unknown>>();
    for (const [key, profile] of this.profiles) copy.set(key, { ...profile });
    return copy;
  }

  first(limit: number): Record<string, unknown>[] {
    const result: Record<string, unknown>[] = [];
    for (const profile of this.profiles.values()) {
      if (result.length >= limit) break;
      result.push({ ...profile });
    }
    return result;
  }

  clear(): void {
    this.profiles.clear();
  }
}

/** Keeps only which identities were seen, as hashes: constant bytes per identity, no attribute values. */
class CountingProfileStore implements ProfileStore {
  private readonly identities = new HashedKeySet(1 << 16);

  get size(): number {
    return this.identities.size;
  }

  apply({ identityKeys }: ImportBatch): void {
    for (const key of identityKeys) this.identities.add(key);
  }

  snapshot(): Map<string, Record<string, unknown>> {
    return new Map();
  }

  first(): Record<string, unknown>[] {
    return [];
  }

  clear(): void {
    this.identities.clear();
  }
}
