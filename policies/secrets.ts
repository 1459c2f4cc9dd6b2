// Generated credentials (CL-01, CL-02): long enough, and never handed to a resource in plain text.
import * as random from "@pulumi/random";
import {
    validateResourceOfType,
    type ResourceValidationPolicy,
    type StackValidationPolicy,
} from "@pulumi/policy";
import { SECRET_MARKER, TYPES } from "./util";

export const randomPasswordLength: ResourceValidationPolicy = {
    name: "random-password-length",
    description: "Every generated password must be at least the configured number of characters.",
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

export const DEFAULT_PASSWORD_KEYS =
    "^(password|masterPassword|masterUserPassword|adminPassword|authToken|auth_token)$";

export const passwordInputsSecret: StackValidationPolicy = {
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

export const secretsPolicies = [randomPasswordLength, passwordInputsSecret];
