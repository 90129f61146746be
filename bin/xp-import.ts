#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { exitCodeForClientError } from '../client/importErrors';
import * as cli from '../client/cli/commands';
import { parseFlags, UsageError } from '../client/cli/usage';
import { PortSchema } from '../common/config';
import { formatDuration } from '../common/duration';
import { DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, DEFAULT_STUCK_AFTER_MS, MAX_CONCURRENCY, MAX_ROWS_PER_REQUEST, MAX_STUCK_AFTER_MS, MIN_STUCK_AFTER_MS } from '../common/limits';
import { wholeNumber } from '../common/wholeNumber';
import { cliFailureOf, type CliFailure } from '../common/cliFailure';
import { ExitCode } from '../common/report';
import type { ValidationFailure } from '../common/validation';
import { runSandboxCommand, SandboxUsageError } from '../sandbox';
import { ConfigError } from '../workers/config';
import { asPortInUse, DEFAULT_FRONTEND_PORT, defaultUiPort, PortInUseError, startDevServer } from '../workers/devServer';
import { ensureTemporalBinary, temporalBinaryVersion } from '../workers/temporalBinary';
import { runWorkerCommand } from '../workers/workerCommand';
import { runDemo } from './demo';
import { devBanner, startDevStack } from './devStack';
import { defineValidateCommand, validateCommand } from './validate';

/**
 * The `xp-import` command: client verbs (start, status, ...), the worker, and the local stack
 * (server, sandbox, dev, demo). Errors become one clear line and the exit codes of DESIGN.md.
 */
const program = new Command('xp-import')
  .description('Durable bulk import of user profiles into Xtremepush, orchestrated by Temporal')
  .version(packageVersion(), '-V, --version', 'print the version of xp-import')
  .showHelpAfterError()
  .exitOverride();

/** The version in package.json, which ships beside dist/ (in the image too). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

let exitCode: number = ExitCode.ok;
// Commander passes positional arguments, then the options object, then the command.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const run = <A extends any[]>(fn: (...args: A) => Promise<number>) => async (...args: A) => {
  exitCode = await fn(...args);
};

program
  .command('start')
  .description('start an import of a file (inside XP_IMPORT_DATA_DIR on the worker) or an http(s) URL')
  .argument('<source>', 'path or URL of a CSV or NDJSON file')
  .option('--id <id>', 'import ID (default: derived from the source, so the same file is not imported twice)')
  .addOption(new Option('--format <format>', 'source format (default: from the file name)').choices(['csv', 'ndjson']))
  .option('--delimiter <char>', 'CSV delimiter: , ; tab | (default: detected)')
  .option('--mapping <file>', 'mapping file (JSON, see docs/mapping.md)')
  // No commander defaults: a flag not given must stay unset, so that a start joining a running import names only the settings asked for.
  .option('--batch-size <n>', `rows per request, 1..${MAX_ROWS_PER_REQUEST} (default: ${DEFAULT_BATCH_SIZE})`)
  .option('--concurrency <n>', `batches in flight at once, 1..${MAX_CONCURRENCY} (default: ${DEFAULT_CONCURRENCY})`)
  .option(
    '--stuck-after <duration>',
    `report a task stuck (for \`xp-import resolve\`) when it still runs this long after its request: ` +
      `${formatDuration(MIN_STUCK_AFTER_MS)}..${formatDuration(MAX_STUCK_AFTER_MS)}, such as 90s, 45m or 2h (default: ${formatDuration(DEFAULT_STUCK_AFTER_MS)})`,
  )
  .option('--dry-run', 'validate and plan, send nothing')
  .option('--wait', 'follow progress until the import ends and print its report')
  .option('--json', 'print one JSON document on stdout')
  .action(run((source: string, flags: Record<string, unknown>) => cli.startCommand(source, flags)));

program.command('status').argument('<id>').option('--json', 'print one JSON document on stdout').description('progress of a running import, or its report').action(run(cli.statusCommand));
program.command('watch').argument('<id>').option('--json', 'print the report as one JSON document on stdout').description('follow an import until it ends').action(run(cli.watchCommand));
program.command('report').argument('<id>').option('--json', 'print one JSON document on stdout').description('the final report of an import').action(run(cli.reportCommand));
program.command('pause').argument('<id>').description('start no new batches until resumed').action(run(cli.pauseCommand));
program.command('resume').argument('<id>').description('resume a paused import').action(run(cli.resumeCommand));
program
  .command('set-concurrency')
  .argument('<id>')
  .argument('<n>')
  .description('change how many batches run at once')
  .action(run(cli.setConcurrencyCommand));
program
  .command('retry')
  .argument('<id>')
  .option('--wait', 'follow the re-run to its report')
  .option('--json', 'print one JSON document on stdout')
  .description('re-run an import that ended, sending only the batches that did not succeed')
  .action(run(cli.retryCommand));
program
  .command('resolve')
  .argument('<id>')
  .argument('<batch>', 'batch number, as in the report and the UI (batch-<n>)')
  .argument('<resolution>', 'resubmit | abandon')
  .description('decide about a batch whose task is stuck: send it again, or give up on it')
  .action(run(cli.resolveCommand));
program
  .command('cancel')
  .argument('<id>')
  .option('--abandon', 'stop waiting for batches already sent')
  .description('cancel an import; its report is still written')
  .action(run(cli.cancelCommand));

defineValidateCommand(program.command('validate')).action(run((source: string, flags: Record<string, unknown>) => validateCommand(source, flags)));

program
  .command('worker')
  .description('run a worker, configured from the environment (see README)')
  .action(run(() => runWorkerCommand()));

program
  .command('server')
  .description('a local Temporal dev server with the search attributes registered')
  .option('--port <port>', 'frontend gRPC port', String(DEFAULT_FRONTEND_PORT))
  .option('--ui-port <port>', 'Web UI port (default: port + 1000; port - 1000 above 64535)')
  .option('--db-file <file>', 'keep state in this SQLite file across restarts')
  .option('--headless', 'no Web UI')
  .action(
    run(async (flags: { port: string; uiPort?: string; dbFile?: string; headless?: boolean }) => {
      const port = parseFlags(PortSchema, flags.port, 'port');
      const server = await startDevServer({
        port,
        uiPort: flags.uiPort ? parseFlags(PortSchema, flags.uiPort, 'UI port') : defaultUiPort(port),
        dbFile: flags.dbFile,
        headless: flags.headless,
      });
      process.stdout.write(`Temporal dev server on ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''} (binary: ${server.origin})\n`);
      await waitForSignal();
      await server.stop();
      return ExitCode.ok;
    }),
  );

program
  .command('temporal-binary')
  .description('find the Temporal CLI, or build it with go install (what tests and `server` use)')
  .action(
    run(async () => {
      const started = Date.now();
      const binary = await ensureTemporalBinary();
      process.stdout.write(`${binary} (${temporalBinaryVersion(binary).split('\n')[0]}) ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
      return ExitCode.ok;
    }),
  );

program
  .command('sandbox')
  .description('the local Xtremepush stand-in (--port, --host, --apptoken, --latency, --seed, --task-ms, --store)')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[flags...]')
  .action(
    run(async (flags: string[]) => {
      await runSandboxCommand(flags).catch((error: unknown) => {
        throw asPortInUse(error, '--port');
      });
      return ExitCode.ok;
    }),
  );

program
  .command('dev')
  .description('server + sandbox + worker in one process: the embedded local setup')
  .option('--port <port>', 'Temporal frontend port', String(DEFAULT_FRONTEND_PORT))
  .option('--ui-port <port>', 'Temporal UI port (default: the frontend port + 1000; - 1000 above 64535)')
  .option('--sandbox-port <port>', 'sandbox port (default: any free one)')
  .option('--db-file <file>', 'keep Temporal state in this file')
  .action(
    run(async (flags: { port: string; uiPort?: string; sandboxPort?: string; dbFile?: string }) => {
      const { port, uiPort } = stackPorts(flags);
      const sandboxPort = flags.sandboxPort === undefined ? undefined : parseFlags(PortSchema, flags.sandboxPort, 'sandbox port');
      const stack = await startDevStack({ port, uiPort, sandboxPort, dbFile: flags.dbFile });
      process.stdout.write(devBanner({ ...stack, uiUrl: stack.server.uiUrl, sandboxUrl: stack.sandbox.url }, process.env));
      await waitForSignal();
      await stack.stop();
      return ExitCode.ok;
    }),
  );

program
  .command('demo')
  .description('start the local stack, import a generated sample, print the report')
  .option('--rows <n>', 'sample size', '50000')
  .option('--keep', 'keep the stack running (to browse the Temporal UI) until Ctrl-C')
  .option('--port <port>', 'Temporal frontend port (another Temporal may have 7233)', String(DEFAULT_FRONTEND_PORT))
  .option('--ui-port <port>', 'Temporal UI port (default: the frontend port + 1000; - 1000 above 64535)')
  .action(
    run(async (flags: { rows: string; keep?: boolean; port: string; uiPort?: string }) => {
      return runDemo(parseFlags(wholeNumber(1), flags.rows, 'row count'), flags.keep ?? false, stackPorts(flags));
    }),
  );

/** `--port` and `--ui-port` of the commands that start a local stack (dev, demo). */
function stackPorts(flags: { port: string; uiPort?: string }): { port: number; uiPort: number } {
  const port = parseFlags(PortSchema, flags.port, 'port');
  return { port, uiPort: flags.uiPort === undefined ? defaultUiPort(port) : parseFlags(PortSchema, flags.uiPort, 'UI port') };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The CLI's own refusals; the client API's are ImportClientErrors (exitCodeForClientError). */
const EXPECTED_ERRORS: Array<[new (...args: never[]) => Error, number]> = [
  [UsageError, ExitCode.usage],
  [ConfigError, ExitCode.usage],
  [SandboxUsageError, ExitCode.usage],
  [PortInUseError, ExitCode.usage],
];

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.ok;
      // Commander has said it on stderr, with the usage; a script that asked for JSON parses stdout.
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(parserRefusal(argv.slice(2), error), null, 2)}\n`);
      return ExitCode.usage;
    }
    const known = exitCodeForClientError(error) ?? EXPECTED_ERRORS.find(([type]) => error instanceof type)?.[1];
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`xp-import: ${message}\n`);
    // A script that asked for JSON parses stdout: a refusal is a document too, not an empty output.
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(cliFailureOf(error, message), null, 2)}\n`);
    if (known === undefined && process.env.XP_IMPORT_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return known ?? ExitCode.failed;
  }
}

/** A refusal of the argument parser (an unknown option, a missing argument) as `--json` prints a refusal. */
function parserRefusal(args: string[], error: CommanderError): CliFailure | ValidationFailure {
  const message = error.message.replace(/^error: /, '');
  const command = program.commands.find((c) => c.name() === args[0]);
  if (command?.name() !== 'validate') return cliFailureOf(new UsageError(message), message);
  return { source: firstArgument(command, args.slice(1)) ?? '', error: { code: 'usage', message } };
}

/** The first argument that is neither an option nor an option's value. */
function firstArgument(command: Command, args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-')) return arg;
    const option = command.options.find((o) => o.long === arg || o.short === arg);
    if (option !== undefined && (option.required || option.optional)) i++;
  }
  return undefined;
}

// Exits once stdout and stderr have taken what was written (pipes are asynchronous on some
// systems): a command leaves its Temporal connection open (withClient says why).
void main(process.argv).then((code) => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
