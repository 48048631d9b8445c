/**
 * A small levelled logger in Remotion's spirit (`--log trace|verbose|info|warn|error`).
 *
 * Every line passes through a redactor: secrets registered with `addSecret()` (the API key, the webhook
 * secret) are replaced by `***` before anything reaches a stream, whatever the level.
 */
export const logLevels = ['trace', 'verbose', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export type Logger = {
  level: LogLevel;
  trace: (...args: unknown[]) => void;
  verbose: (...args: unknown[]) => void;
  info: (...args: unknown[]) => void;
  warn: (...args: unknown[]) => void;
  error: (...args: unknown[]) => void;
  isEnabled: (level: LogLevel) => boolean;
  /** Registers a value that must never be printed. Empty values are ignored. */
  addSecret: (secret: string | undefined | null) => void;
  redact: (text: string) => string;
};

export type CreateLoggerOptions = {
  /** Lowest level printed. Default `info`. */
  level?: LogLevel;
  /** Where `trace`/`verbose`/`info` go. Default `process.stdout`. */
  stdout?: {write: (chunk: string) => unknown};
  /** Where `warn`/`error` go. Default `process.stderr`. */
  stderr?: {write: (chunk: string) => unknown};
  secrets?: (string | undefined | null)[];
};

const rank: Record<LogLevel, number> = {trace: 0, verbose: 1, info: 2, warn: 3, error: 4};

export const isLogLevel = (value: unknown): value is LogLevel =>
  typeof value === 'string' && (logLevels as readonly string[]).includes(value);

const formatArg = (arg: unknown): string => {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) return arg.stack ?? arg.message;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
};

export const createLogger = (options: CreateLoggerOptions = {}): Logger => {
  const secrets = new Set<string>();
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const redact = (text: string): string => {
    let out = text;
    for (const secret of secrets) {
      out = out.split(secret).join('***');
    }
    return out;
  };
  const logger: Logger = {
    level: options.level ?? 'info',
    isEnabled: (level) => rank[level] >= rank[logger.level],
    addSecret: (secret) => {
      // Very short values would redact ordinary words; keys and secrets are long.
      if (secret && secret.length >= 4) secrets.add(secret);
    },
    redact,
    trace: (...args) => write('trace', args),
    verbose: (...args) => write('verbose', args),
    info: (...args) => write('info', args),
    warn: (...args) => write('warn', args),
    error: (...args) => write('error', args),
  };
  const write = (level: LogLevel, args: unknown[]) => {
    if (!logger.isEnabled(level)) return;
    const line = redact(args.map(formatArg).join(' '));
    (rank[level] >= rank.warn ? stderr : stdout).write(`${line}\n`);
  };
  for (const s of options.secrets ?? []) logger.addSecret(s);
  return logger;
};

/** A logger that prints nothing; the default for library calls that were given none. */
export const silentLogger = (): Logger => createLogger({level: 'error', stderr: {write: () => undefined}});
