// Config keys live in namespaces: the project's (`release:`) and those of the providers the program
// uses. A key in any other namespace is read by nothing, so a typo there would silently deploy the
// old value; it is refused instead, with the closest known namespace as the suggestion.
import { escapeText } from "./text";

/** Namespaces besides the project's: the providers the program uses, and Pulumi's own. */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes", "pulumi"] as const;

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const cur = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = cur;
        }
    }
    return row[b.length];
}

/** The option nearest to `word` (ties: the first listed). */
export function closest(word: string, options: readonly string[]): string {
    return options.reduce((best, o) =>
        editDistance(word, o) < editDistance(word, best) ? o : best,
    );
}

/** Why a full config key (`ns:key`) is in no namespace the program reads, or undefined. */
export function namespaceProblem(fullKey: string, project: string): string | undefined {
    const colon = fullKey.indexOf(":");
    if (colon < 0) return undefined; // Pulumi puts keys without a namespace in the project's.
    const ns = fullKey.slice(0, colon);
    const known = [project, ...PROVIDER_NAMESPACES];
    if (known.includes(ns)) return undefined;
    const guess = closest(ns, known);
    return `${escapeText(fullKey)} must use a known config namespace (${known.map((k) => `${k}:`).join(", ")}): nothing reads ${escapeText(ns)}: (did you mean ${guess}:${escapeText(fullKey.slice(colon + 1))}?)`;
}
