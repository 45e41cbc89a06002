/** Hark's version, from package.json (the CLI's `--version`, the OpenAPI document, user agents). */
import pkg from '../package.json' with { type: 'json' };

export const HARK_VERSION: string = pkg.version;
