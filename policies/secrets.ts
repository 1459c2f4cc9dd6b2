// Generated credentials (CL-01, CL-02): long enough, and never handed to a resource in plain text.
import * as random from "@pulumi/random";
import {
    validateResourceOfType,
    type ResourceValidationPolicy,
    type StackValidationPolicy,
} from "@pulumi/policy";
import { SECRET_MARKER, TYPES } from "./util";

export function randomPasswordLength(): ResourceValidationPolicy {
    return {
        name: "random-password-length",
        description:
            "Every generated password must be at least the configured number of characters.",
        configSchema: {
            properties: {
                minLength: {
                    type: "integer",
                    minimum: 1,
                    default: 16,
                    description: "Shortest allowed RandomPassword length (CL-02: 16).",
                },
            },
        },
        validateResource: validateResourceOfType(random.RandomPassword, (pw, args, report) => {
            const { minLength } = args.getConfig<{ minLength: number }>();
            if (!(pw.length >= minLength)) {
                report(
                    `RandomPassword ${args.name} length must be at least ${minLength} (got ${pw.length})`,
                );
            }
        }),
    };
}

export const DEFAULT_PASSWORD_KEYS =
    "^(password|masterPassword|masterUserPassword|adminPassword|authToken|auth_token)$";

export function passwordInputsSecret(): StackValidationPolicy {
    return {
        name: "password-inputs-secret",
        description:
            "Any password or auth token a resource receives must be a secret output, such as a RandomPassword result.",
        configSchema: {
            properties: {
                keyPattern: {
                    type: "string",
                    default: DEFAULT_PASSWORD_KEYS,
                    description: "Case-insensitive regular expression for credential input names.",
                },
            },
        },
        validateStack: (args, report) => {
            const { keyPattern } = args.getConfig<{ keyPattern: string }>();
            const re = new RegExp(keyPattern, "i");
            let seen = 0;
            for (const r of args.resources) {
                for (const [key, value] of Object.entries(r.props)) {
                    if (!re.test(key) || value === undefined || value === null || value === "") {
                        continue;
                    }
                    seen++;
                    // Offline, the plan shows secrets as a marker; under the engine, secrets arrive
                    // unwrapped, so the proof is that the value derives from a generated password.
                    const generated = (r.propertyDependencies[key] ?? []).some(
                        (d) => d.type === TYPES.randomPassword,
                    );
                    if (value !== SECRET_MARKER && !generated) {
                        report(
                            `${r.type.split(":").pop()} ${r.name} input ${key} must be a secret output such as a RandomPassword result, not a plain value`,
                            r.urn,
                        );
                    }
                }
            }
            if (seen === 0) args.notApplicable("no resource takes a password input");
        },
    };
}

/** Credential-shaped values; mirrors config/credentials.ts CREDENTIAL_VALUE (a test keeps them equal). */
export const DEFAULT_CREDENTIAL_VALUE_PATTERNS = [
    "^[a-z][a-z0-9+.-]*://[^/\\s:@]*:[^/\\s@]+@",
    "^https://hooks\\.slack\\.com/",
    "^https://(discord(app)?\\.com)/api/webhooks/",
    "^https://[a-z0-9.-]*\\.webhook\\.office\\.com/",
    "^https://events\\.pagerduty\\.com/integration/",
];

/** Setting names that hold credentials; mirrors config/credentials.ts CREDENTIAL_KEY. */
export const DEFAULT_CREDENTIAL_KEY_PATTERN =
    "(password|passwd|token|secret|api_?key|private_?key|access_?key|credential|webhook|dsn|connection_?string)";

/** Where plain-text values end up readable by anyone who can read the manifest or the state. */
function* stringsIn(value: unknown, path: string): Generator<[string, string]> {
    if (typeof value === "string") yield [path, value];
    else if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) yield* stringsIn(v, `${path}[${i}]`);
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) yield* stringsIn(v, path ? `${path}.${k}` : k);
    }
}

const KUBERNETES_SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

export function noPlaintextCredentials(): StackValidationPolicy {
    return {
        name: "no-plaintext-credentials",
        // Mandatory in every stage: a credential in plain text is leaked the moment it is applied.
        enforcementLevel: "mandatory",
        description:
            "Resources outside Kubernetes Secrets must not carry a credential in plain text, such as a URL with a password, a webhook URL or a credential-named ConfigMap key.",
        configSchema: {
            properties: {
                valuePatterns: {
                    type: "array",
                    items: { type: "string" },
                    default: DEFAULT_CREDENTIAL_VALUE_PATTERNS,
                    description:
                        "Case-insensitive regular expressions for credential-shaped values.",
                },
                keyPattern: {
                    type: "string",
                    default: DEFAULT_CREDENTIAL_KEY_PATTERN,
                    description: "Case-insensitive regular expression for credential names.",
                },
            },
        },
        validateStack: (args, report) => {
            const { valuePatterns, keyPattern } = args.getConfig<{
                valuePatterns: string[];
                keyPattern: string;
            }>();
            const shapes = valuePatterns.map((p) => new RegExp(p, "i"));
            const named = new RegExp(keyPattern, "i");
            // Secret data is what Secrets are for: Pulumi stores it encrypted and the API server
            // keeps it out of plain manifests.
            const checked = args.resources.filter(
                (r) => r.type !== KUBERNETES_SECRET && !r.type.startsWith("pulumi:"),
            );
            if (checked.length === 0) args.notApplicable("no resource outside Kubernetes Secrets");
            for (const r of checked) {
                const what = `${r.type.split(":").pop()} ${String(r.props.metadata?.name ?? r.name)}`;
                for (const [where, value] of stringsIn(r.props, "")) {
                    if (value === SECRET_MARKER) continue;
                    if (shapes.some((re) => re.test(value))) {
                        report(
                            `${what} ${where} must not hold a credential in plain text (a URL with a password or a webhook URL): put it in a Secret and reference it`,
                            r.urn,
                        );
                    }
                }
                const maps: [string, unknown][] = [
                    ["metadata.annotations", r.props.metadata?.annotations],
                    ...(r.type === CONFIG_MAP ? [["data", r.props.data] as [string, unknown]] : []),
                ];
                for (const [where, map] of maps) {
                    for (const [key, value] of Object.entries(
                        (map ?? {}) as Record<string, unknown>,
                    )) {
                        // Prefixed annotations are controller settings whose values name Secrets.
                        if (key.includes("/") || !named.test(key)) continue;
                        if (value === SECRET_MARKER || value === "") continue;
                        report(
                            `${what} ${where}.${key} must not hold a credential in plain text: put it in a Secret and reference it`,
                            r.urn,
                        );
                    }
                }
            }
        },
    };
}

export function secretsPolicies() {
    return [randomPasswordLength(), passwordInputsSecret(), noPlaintextCredentials()];
}
