// Small zod builders shared by every config section. Each carries one "must …" message so a bad
// value is reported as `<key> must <rule> (got <value>)`, the project's single error style.
import { z } from "zod";

/** Pulumi stores `--path` integers as numbers but top-level values as strings; accept both. */
function numeric(v: unknown): unknown {
    return typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v;
}

function booleanish(v: unknown): unknown {
    return v === "true" ? true : v === "false" ? false : v;
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

export function pattern(re: RegExp, rule: string) {
    return z.string({ error: `must be ${rule}` }).regex(re, { error: `must be ${rule}` });
}

/** RFC 1123 label: what Kubernetes accepts for names, namespaces and Service names. */
export const dnsLabel = (maxLength = 63) =>
    pattern(
        new RegExp(`^(?=.{1,${maxLength}}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$`),
        `a lowercase DNS label of at most ${maxLength} characters`,
    );

export const hostname = () =>
    pattern(
        /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/,
        "a fully qualified lowercase host name",
    );

export const httpPath = () => pattern(/^\/[A-Za-z0-9._~\-/]*$/, "an absolute HTTP path");

export const cpuQuantity = () =>
    pattern(/^(\d+(\.\d+)?|\d+m)$/, 'a Kubernetes CPU quantity such as "250m" or "1"');

export const memoryQuantity = () =>
    pattern(/^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes memory quantity such as "256Mi"');

export const headerName = () => pattern(/^[A-Za-z0-9-]{1,100}$/, "an HTTP header name");

export const envName = () => pattern(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

/**
 * An image reference pinned to an immutable version: a tag other than `latest`, or a digest.
 * Returns the reason it is not pinned, or undefined when it is.
 */
export function imagePinProblem(image: string): string | undefined {
    const at = image.indexOf("@");
    if (at >= 0) {
        return /^sha256:[a-f0-9]{64}$/.test(image.slice(at + 1))
            ? undefined
            : "must use a digest of the form @sha256:<64 hex characters>";
    }
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    if (colon < 0) return "must be pinned: add a version tag (not latest) or an @sha256 digest";
    const tag = image.slice(colon + 1);
    if (tag === "latest") return 'must be pinned: the tag "latest" is mutable';
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return "must have a valid tag";
    return undefined;
}

export const image = () =>
    z
        .string({ error: "must be an image reference" })
        .min(1, { error: "must be an image reference" })
        .superRefine((value, ctx) => {
            const problem = imagePinProblem(value);
            if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
        });

/** Environment variable names that are secrets by convention (CL-01). */
export const SECRET_ENV_NAME =
    /(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|DATABASE_URL|REDIS_URL)/i;

/** Version label for an image: its tag, or "sha256-" plus the digest's first 12 hex digits. */
export function imageVersion(image: string): string {
    const at = image.indexOf("@");
    if (at >= 0)
        return `sha256-${image
            .slice(at + 1)
            .replace(/^sha256:/, "")
            .slice(0, 12)}`;
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    return colon < 0 ? "unversioned" : image.slice(colon + 1);
}
