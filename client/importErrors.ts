/** What the client API refuses or cannot do, each with what the caller needs to decide and a message that says what to do. */

export class ImportAlreadyExistsError extends Error {
  override name = 'ImportAlreadyExistsError';
  constructor(readonly importId: string) {
    super(
      `import ${importId} already ran for this source. See its report with \`xp-import report ${importId}\`, ` +
        `send its failed batches again with \`xp-import retry ${importId}\`, or start a new import with --id <new id>.`,
    );
  }
}

/** An import ID given with --id that a running import of another source already has. */
export class ImportIdInUseError extends Error {
  override name = 'ImportIdInUseError';
  constructor(
    readonly importId: string,
    /** The running import's source as its ImportSource search attribute names it; null when it is not known. */
    readonly runningSource: string | null,
    source: string,
  ) {
    super(
      `import ${importId} is already running for another source (${runningSource ?? 'not recorded'}), so ${source} would not be imported; ` +
        `choose another --id (or leave it out: the default ID comes from the source). \`xp-import status ${importId}\` shows the running import.`,
    );
  }
}

export class ImportNotFoundError extends Error {
  override name = 'ImportNotFoundError';
  constructor(readonly importId: string) {
    super(`no import ${importId}: check the ID (the Temporal UI lists imports by their IDs, as does \`temporal workflow list\`)`);
  }
}

/**
 * An import that ended before it could write its report: stopped from outside (terminated, timed
 * out), or failed writing it (a report folder that stayed unwritable). No report says what it did,
 * and a re-run cannot know which batches it finished since its last results were written, so
 * `retry` is refused too.
 */
export class ImportEndedWithoutReportError extends Error {
  override name = 'ImportEndedWithoutReportError';
  constructor(
    readonly importId: string,
    readonly status: string,
    /** The message it failed with, when it failed. */
    readonly failure?: string,
  ) {
    const results = `what its batches did up to then is in XP_IMPORT_REPORT_DIR/${importId}/results on the worker`;
    super(
      status === 'FAILED'
        ? `import ${importId} failed before it could write its report (${failure ?? 'no message'}), so there is none; ${results}, as far as it could be written. ` +
            'It cannot be re-run with `xp-import retry`: fix the cause and start the source again with --id <new id>.'
        : `import ${importId} was ${status.toLowerCase().replace('_', ' ')} before it wrote a report, so there is none; ${results}. It cannot be re-run with \`xp-import retry\`: start the source again with --id <new id> ` +
            '(cancel an import with `xp-import cancel` rather than terminate it: it then writes its report).',
    );
  }
}

/** A steering request the import refused, with its reason. */
export class ImportSteeringError extends Error {
  override name = 'ImportSteeringError';
}
