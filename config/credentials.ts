// Credential-bearing stack config must be stored encrypted (`secure:`), never in plain text in git.
// Pure: the offline stack-file reader runs it on the parsed YAML, where `secure:` is still visible.
import { escapeText } from "./text";

/** Setting names that hold credentials, wherever they sit in `release:*`. */
export const CREDENTIAL_KEY =
    /(password|passwd|token|secret|api_?key|private_?key|access_?key|credential|webhook|dsn|connection_?string)/i;

/** Names that merely refer to a credential (a Secret's name, a rotation counter, an ARN). */
const CREDENTIAL_REFERENCE = /(name|rotation|arn|id|ref|header|length|ttl|seconds|version)$/i;

/** Values that are credentials whatever their key: URLs with a password, chat/incident webhooks. */
export const CREDENTIAL_VALUE = [
    /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i,
    /^https:\/\/hooks\.slack\.com\//i,
    /^https:\/\/(discord(app)?\.com)\/api\/webhooks\//i,
    /^https:\/\/[a-z0-9.-]*\.webhook\.office\.com\//i,
    /^https:\/\/events\.pagerduty\.com\/integration\//i,
];

/** Sections whose every value is a credential. */
const ALL_SECRET_SECTIONS = new Set(["appSecrets"]);

export interface PlaintextCredential {
    /** Path inside the namespace, e.g. ["appSecrets", "JWT_SECRET"]. */
    readonly path: string[];
    /** Why it counts as a credential. */
    readonly why: string;
}

const isSecure = (v: unknown) =>
    !!v &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { secure?: unknown }).secure === "string";

/**
 * Settings whose values are names, not credentials: the env var names of a workload's data
 * contract (`data.redis.password: REDIS_PASSWORD`), the injected env names, and the list of
 * `appSecrets` keys a workload mounts (`workloads.<key>.secretKeys`, and its old name `secrets`,
 * which the schema refuses with the new name rather than as a credential).
 */
function namesACredential(path: string[]): boolean {
    const inApp = path[0] === "app" || path[0] === "workloads";
    if (!inApp) return false;
    const at = path.indexOf("data");
    if (at >= 0 && ["database", "redis"].includes(path[at + 1])) return true;
    if (path.includes("envNames")) return true;
    return path[0] === "workloads" && (path[2] === "secretKeys" || path[2] === "secrets");
}

function walk(
    value: unknown,
    path: string[],
    inSecretSection: boolean,
    out: PlaintextCredential[],
) {
    if (isSecure(value) || value === null || value === undefined || value === "") return;
    if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, [...path, String(i)], inSecretSection, out));
        return;
    }
    if (typeof value === "object") {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            walk(v, [...path, k], inSecretSection, out);
        }
        return;
    }
    const key = [...path].reverse().find((p) => !/^\d+$/.test(p)) ?? "";
    // Env names like JWT_SECRET have their own schema rule: move them to appSecrets.
    const inEnv = path.slice(0, -1).includes("env");
    if (!inSecretSection && namesACredential(path)) return;
    if (inSecretSection) {
        out.push({ path, why: `every value of release:${path[0]} is a credential` });
    } else if (!inEnv && CREDENTIAL_KEY.test(key) && !CREDENTIAL_REFERENCE.test(key)) {
        out.push({ path, why: `settings named like "${escapeText(key)}" hold credentials` });
    } else if (typeof value === "string" && CREDENTIAL_VALUE.some((re) => re.test(value))) {
        out.push({ path, why: "the value is a URL carrying a password or a webhook secret" });
    }
}

/** Every plaintext credential among one namespace's settings (`release:` keys, unprefixed). */
export function plaintextCredentials(settings: Record<string, unknown>): PlaintextCredential[] {
    const out: PlaintextCredential[] = [];
    for (const [key, value] of Object.entries(settings)) {
        walk(value, [key], ALL_SECRET_SECTIONS.has(key), out);
    }
    return out;
}

/** The command that stores the value encrypted, as the user would type it. */
export function setSecretCommand(stack: string, path: string[]): string {
    const dotted = path
        .map((p) => (/^\d+$/.test(p) ? `[${p}]` : p))
        .join(".")
        .replace(/\.\[/g, "[");
    const pathFlag = path.length > 1 ? " --path" : "";
    return `pulumi config set --stack ${stack} --secret${pathFlag} '${dotted}' '<value>'`;
}

/** The project-style message for one plaintext credential (the value itself is never shown). */
export function plaintextCredentialMessage(
    namespace: string,
    stack: string,
    c: PlaintextCredential,
): string {
    const key = `${namespace}:${c.path.join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]")}`;
    return `${escapeText(key)} must be a secret (secure:), not plain text in the stack file, because ${c.why}; store it with: ${setSecretCommand(stack, c.path)} (got a plaintext value)`;
}
