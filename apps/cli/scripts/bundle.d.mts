// Types of bundle.mjs (plain JavaScript, so the launcher can run it without a compiler).
export declare const bundleDir: string;
export declare const bundleFile: string;
export declare const inputsFile: string;
export declare function buildBundle(): Promise<{ bundleFile: string; inputs: string[] }>;
export declare function bundleIsCurrent(file?: string): boolean;
