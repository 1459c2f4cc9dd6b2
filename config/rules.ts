// Small zod builders shared by every config section. Each carries one "must …" message so a bad
// value is reported as `<key> must <rule> (got <value>)`, the project's single error style.
import { parseFamiliarName } from "@swimlane/docker-reference";
import { z } from "zod";

/** Pulumi stores `--path` integers as numbers but top-level values as strings; accept both. */
function numeric(v: unknown): unknown {
    return typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
}

export function booleanish(v: unknown): unknown {
    return v === "true" ? true : v === "false" ? false : v;
}

/**
 * `pulumi config set --path k 17` stores the number 17 and `… true` the boolean true; where a string
 * is expected (versions, env values) they mean the text the user typed.
 */
export function textual(v: unknown): unknown {
    return (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean" ? String(v) : v;
}

/** A string; numbers and booleans written by `pulumi config set --path` count as their text. */
export const text = (error = "must be a string") => z.preprocess(textual, z.string({ error }));

/**
 * Offline, a `secure:` value cannot be decrypted, so the plan sees a placeholder in its place.
 * Pattern rules skip placeholders (the real value is checked when `pulumi up` decrypts it) but
 * only placeholders the stack-file reader registered, so a plaintext look-alike is still checked.
 */
export const SECURE_PLACEHOLDER_PREFIX = "offline-secure-placeholder-";
const registeredPlaceholders = new Set<string>();

export function securePlaceholder(where: string): string {
    const value = `${SECURE_PLACEHOLDER_PREFIX}${where.replace(/[^A-Za-z0-9]+/g, "-")}`;
    registeredPlaceholders.add(value);
    return value;
}

export function isSecurePlaceholder(v: unknown): boolean {
    return typeof v === "string" && registeredPlaceholders.has(v);
}

/** An integer in [min, max]; every failure mode gets the same message. */
export function int(min: number, max: number) {
    const error = `must be an integer ${min}–${max}`;
    return z.preprocess(
        numeric,
        z.number({ error }).int({ error }).min(min, { error }).max(max, { error }),
    );
}

export function bool() {
    return z.preprocess(booleanish, z.boolean({ error: "must be true or false" }));
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

/** A string matching `re`; numbers from `--path` are read as their text, placeholders skip. */
export function pattern(re: RegExp, rule: string) {
    const error = `must be ${rule}`;
    return z.preprocess(
        textual,
        z.string({ error }).refine((v) => isSecurePlaceholder(v) || re.test(v), { error }),
    );
}

/** RFC 1123 label: what Kubernetes accepts for namespaces and most object names. */
export const dnsLabel = (maxLength = 63) =>
    pattern(
        new RegExp(`^(?=.{1,${maxLength}}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$`),
        `a lowercase DNS label of at most ${maxLength} characters`,
    );

/** RFC 1035 label: Service names, and so anything a Service name derives from, start with a letter. */
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const dns1035Label = (maxLength = 63) =>
    pattern(
        new RegExp(`^(?=.{1,${maxLength}}$)${DNS1035_LABEL.source.slice(1)}`),
        `a lowercase DNS label of at most ${maxLength} characters starting with a letter`,
    );

/** Kubernetes label values: empty, or ≤ 63 alphanumerics with - _ . inside. */
export const LABEL_VALUE = /^(?=.{0,63}$)(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const LABEL_VALUE_RULE =
    "a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)";
export const labelValue = () => pattern(LABEL_VALUE, LABEL_VALUE_RULE);

export const hostname = () =>
    pattern(
        /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/,
        "a fully qualified lowercase host name",
    );

export const httpPath = () => pattern(/^\/[A-Za-z0-9._~\-/]*$/, "an absolute HTTP path");

/** A Kubernetes resource quantity: decimal or exponent, with an optional SI or binary suffix. */
export const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

const QUANTITY_SUFFIX: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity ("250m" -> 0.25, "1Gi" -> 1073741824); NaN if malformed. */
export function quantityValue(q: string): number {
    const m = QUANTITY.exec(q);
    if (!m) return NaN;
    const number = Number(m[1]);
    const suffix = m[3] ?? "";
    if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
    return number * QUANTITY_SUFFIX[suffix];
}

export const cpuQuantity = () =>
    pattern(QUANTITY, 'a Kubernetes CPU quantity such as "250m" or "1"').refine(
        (q) => isSecurePlaceholder(q) || quantityValue(q) > 0,
        { error: "must be more than 0" },
    );

export const memoryQuantity = () =>
    pattern(QUANTITY, 'a Kubernetes memory quantity such as "256Mi"').refine(
        (q) => isSecurePlaceholder(q) || quantityValue(q) >= 1,
        { error: "must be at least 1 byte" },
    );

export const headerName = () => pattern(/^[A-Za-z0-9-]{1,100}$/, "an HTTP header name");

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envName = () => pattern(ENV_NAME, "an environment variable name");

/** What the kubelet's reference parser says is wrong with `image`, or undefined when it parses. */
export function imageGrammarProblem(image: string): string | undefined {
    if (image.trim() !== image || image === "") {
        return "must be an image reference [registry/]repository[:tag][@digest] without spaces";
    }
    try {
        parseFamiliarName(image);
        return undefined;
    } catch (e) {
        const at = image.indexOf("@");
        if (at > 0 && !imageGrammarProblem(image.slice(0, at))) {
            return "must use a digest of the form @sha256:<64 hex characters>";
        }
        const why = (e as Error).message;
        if (/lowercase/.test(why))
            return "must have a lowercase repository path (registry host aside)";
        if (/more than 255/.test(why))
            return "must have a repository name of at most 255 characters";
        if (/64-byte hexadecimal/.test(why)) return "must not be a bare 64-character hex id";
        if (/digest/i.test(why)) return `must have a valid digest (${why})`;
        return (
            "must be an image reference [registry[:port]/]repository[:tag][@algorithm:hex] " +
            "(repository: lowercase letters, digits and . _ - between them; tag: up to 128 of " +
            "A-Z a-z 0-9 _ . - not starting with . or -)"
        );
    }
}

/**
 * An image reference pinned to an immutable version: a tag other than `latest`, or a digest.
 * Returns the reason it is not a valid pinned reference, or undefined when it is.
 */
export function imagePinProblem(image: string): string | undefined {
    const grammar = imageGrammarProblem(image);
    if (grammar) return grammar;
    const ref = parseFamiliarName(image);
    if (ref.digest) {
        return /^sha256:[a-f0-9]{64}$/.test(ref.digest)
            ? undefined
            : "must use a digest of the form @sha256:<64 hex characters>";
    }
    if (ref.tag === undefined) {
        return "must be pinned: add a version tag (not latest) or an @sha256 digest";
    }
    if (ref.tag === "latest") return 'must be pinned: the tag "latest" is mutable';
    return undefined;
}

export const image = () =>
    z
        .string({ error: "must be an image reference" })
        .min(1, { error: "must be an image reference" })
        .superRefine((value, ctx) => {
            if (isSecurePlaceholder(value)) return;
            const problem = imagePinProblem(value);
            if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
        });

/**
 * Environment-variable names that hold credentials (CL-01). A copy of the policy pack's list
 * (policies/secretNames.ts: the pack imports nothing from here); test/consistency.test.ts holds
 * the two equal, so a name the config accepts as plain env is one the pack accepts too.
 */
export const SECRET_ENV_PATTERN =
    "(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|DATABASE_URL|REDIS_URL|CONNECTION_STRING|DSN)";
/** Names that match it but hold no credential: token lifetimes such as JWT_EXPIRES_IN=7d. */
export const NOT_SECRET_ENV_PATTERN = "_EXPIRES_IN$";

const SECRET_ENV = new RegExp(SECRET_ENV_PATTERN, "i");
const NOT_SECRET_ENV = new RegExp(NOT_SECRET_ENV_PATTERN, "i");

export function isSecretEnvName(name: string): boolean {
    return SECRET_ENV.test(name) && !NOT_SECRET_ENV.test(name);
}

/** Version label for an image: its tag, or "sha256-" plus the digest's first 12 hex digits. */
export function imageVersion(image: string): string {
    let ref;
    try {
        ref = parseFamiliarName(image);
    } catch {
        return "unversioned";
    }
    if (ref.digest)
        return `${ref.digest.replace(/:.*$/, "")}-${ref.digest.replace(/^[^:]*:/, "").slice(0, 12)}`;
    return ref.tag ?? "unversioned";
}

/** Why a colour's version (given or derived from the tag) is not a usable label value. */
export function versionLabelProblem(version: string, derived: boolean): string | undefined {
    if (LABEL_VALUE.test(version) && version !== "") return undefined;
    return derived
        ? `must have a tag that is ${LABEL_VALUE_RULE}, because the tag becomes the version label; or set the colour's version explicitly (the tag ${JSON.stringify(version)} is not)`
        : `must be ${LABEL_VALUE_RULE}`;
}
