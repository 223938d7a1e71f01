/** The CLI's version (`casebook --version`); re-exported by cli.ts. */
export const VERSION = '0.1.0';
