export { validateSource, DEFAULT_MAX_ERRORS, type ValidateOptions } from './validateSource';
export { RejectsFileError } from './rejectsWriter';
