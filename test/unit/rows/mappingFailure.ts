import { compileMapping, MappingError } from '../../../activities/rows';
import type { MappingInput } from '../../../common/mapping';

/** The MappingError that compiling `mapping` against a CSV `header` throws; fails the test when none is. */
export function mappingError(header: string[], mapping?: MappingInput): MappingError {
  try {
    compileMapping({ format: 'csv', header, mapping });
  } catch (error) {
    if (error instanceof MappingError) return error;
    throw error;
  }
  throw new Error('expected a MappingError');
}
