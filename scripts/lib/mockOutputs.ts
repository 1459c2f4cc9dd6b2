// Provider-computed outputs the mocks fill in, per resource type, so the program sees realistic values
// (an RDS endpoint, a generated password) where a real provider would compute them.
import type { MockResourceArgs } from "@pulumi/pulumi/runtime";

/** The value every mocked generated secret takes; tests assert it never appears in plain text. */
export const MOCK_SECRET_PREFIX = "MOCK-SECRET-";

type Computed = (args: MockResourceArgs) => Record<string, unknown>;

const computed: Record<string, Computed> = {
    "random:index/randomPassword:RandomPassword": (a) => ({
        result: `${MOCK_SECRET_PREFIX}${a.name}`,
        bcryptHash: `${MOCK_SECRET_PREFIX}${a.name}-bcrypt`,
    }),
};

/** Registers computed outputs for a type (used by data-tier and other components). */
export function registerComputed(type: string, fn: Computed): void {
    computed[type] = fn;
}

export function computedOutputs(args: MockResourceArgs): Record<string, unknown> {
    return computed[args.type]?.(args) ?? {};
}
