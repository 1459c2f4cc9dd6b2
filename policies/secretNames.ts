// The list of environment-variable names that hold credentials (CL-01), for
// k8s-no-literal-secret-env. The stack config keeps a copy (config/rules.ts: the pack ships this
// folder alone and imports nothing outside it); test/consistency.test.ts holds the two equal.

/** Case-insensitive: names containing one of these hold a credential. */
export const SECRET_ENV_PATTERN =
    "(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|DATABASE_URL|REDIS_URL|CONNECTION_STRING|DSN)";

/** Case-insensitive: names matching this hold no credential even if they match above (JWT_EXPIRES_IN=7d). */
export const NOT_SECRET_ENV_PATTERN = "_EXPIRES_IN$";

/** Whether a plain value under this name would be a credential in plain text. */
export function isSecretEnvName(
    name: string,
    secret: string = SECRET_ENV_PATTERN,
    notSecret: string = NOT_SECRET_ENV_PATTERN,
): boolean {
    return (
        new RegExp(secret, "i").test(name) && !(notSecret && new RegExp(notSecret, "i").test(name))
    );
}
