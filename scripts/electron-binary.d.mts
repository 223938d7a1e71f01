export function electronBinary(): { path: string } | { reason: string };
export function installElectron(): Promise<boolean>;
