/**
 * Tiny option parser: `--name value`, `--name=value`, `--flag`, `--no-flag`.
 * Each option may also come from the environment (`envName`), the command line wins.
 */
export function parseArgs(argv, spec) {
  const given = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      given.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new Error(`Unexpected argument: ${arg}`);
    let [name, value] = arg.slice(2).split(/=(.*)/s, 2);
    if (name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean') {
      given[name.slice(3)] = false;
      continue;
    }
    const option = spec[name];
    if (!option) throw new Error(`Unknown option --${name} (see --help)`);
    if (option.type === 'boolean') {
      given[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[i + 1];
      i += 1;
      if (value === undefined) throw new Error(`--${name} needs a value`);
    }
    given[name] = value;
  }
  if (given.help) return { help: true };

  const options = {};
  for (const [name, option] of Object.entries(spec)) {
    let raw = given[name];
    if (raw === undefined && option.env && process.env[option.env] !== undefined && process.env[option.env] !== '') {
      raw = process.env[option.env];
    }
    if (raw === undefined) {
      options[name] = option.default;
      continue;
    }
    switch (option.type) {
      case 'number': {
        const n = Number(raw);
        if (!Number.isFinite(n) || n < (option.min ?? -Infinity))
          throw new Error(`--${name} must be a number ≥ ${option.min}`);
        options[name] = n;
        break;
      }
      case 'boolean':
        options[name] = raw === true || raw === 'true' || raw === '1';
        break;
      case 'list':
        options[name] = String(raw)
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      default:
        options[name] = String(raw);
    }
  }
  return options;
}

export function usage(title, spec) {
  const lines = [title, '', 'Options (environment variable in brackets):'];
  for (const [name, option] of Object.entries(spec)) {
    const env = option.env ? ` [${option.env}]` : '';
    const def = option.default === undefined ? '' : ` (default: ${JSON.stringify(option.default)})`;
    lines.push(`  --${name}${option.type === 'boolean' ? '' : ' <value>'}${env}  ${option.help}${def}`);
  }
  return lines.join('\n');
}
