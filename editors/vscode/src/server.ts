// Resolves the configured server command to an executable file, the way a shell would.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Executable } from 'vscode-languageclient/node';

/**
 * Returns the executable for `command`: itself when it contains a path separator (a leading `~/`
 * meaning the home directory), otherwise the first match on PATH (with PATHEXT suffixes on
 * Windows). Undefined when nothing executable exists, so the caller can name the setting instead
 * of letting the spawn fail with a bare ENOENT.
 */
export function findServerCommand(
  setting: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const command = /^~[/\\]/.test(setting) ? path.join(os.homedir(), setting.slice(2)) : setting;
  const suffixes =
    platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  const candidates = (base: string): string[] => suffixes.map((suffix) => base + suffix);

  if (command.includes('/') || command.includes(path.sep)) {
    return candidates(command).find(isExecutable);
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    const found = candidates(path.join(dir, command)).find(isExecutable);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The server process, talking LSP over its stdin/stdout. No `transport` is given on purpose:
 * with `TransportKind.stdio` the client appends `--stdio` to the arguments, and the command line
 * must be exactly what the user configured (`jfc lsp`).
 */
export function stdioServer(command: string, args: string[]): { run: Executable; debug: Executable } {
  const executable: Executable = { command, args: [...args] };
  return { run: executable, debug: executable };
}
