// The pack's policies. Importing this has no side effects: `new PolicyPack` (which
// starts the engine's gRPC server) lives only in index.ts.
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { backupPolicies } from "./backup";
import { cachePolicies } from "./cache";
import { databasePolicies } from "./database";
import { identityPolicies } from "./identity";
import { kubernetesPolicies } from "./kubernetes";
import { monitoringPolicies } from "./monitoring";
import { networkPolicies } from "./network";
import { releasePolicies } from "./release";
import { secretsPolicies } from "./secrets";
import { storagePolicies } from "./storage";
import { withSchemaDefaults } from "./util";

export const PACK_NAME = "release-guardrails";

/**
 * Level when no policy config says otherwise: strict, so a stack run without
 * `--policy-pack-config` is held to the prod rules.
 */
export const DEFAULT_ENFORCEMENT: EnforcementLevel = "mandatory";

/**
 * The pack's policies, built afresh on each call. Each policy is built by a function rather than at
 * module load, so the test that builds one is the test that covers its name, description and
 * config schema: mutation testing runs code that runs at load once per mutant in a fresh process.
 */
export function policies(): Policies {
    return [
        ...kubernetesPolicies(),
        ...releasePolicies(),
        ...databasePolicies(),
        ...cachePolicies(),
        ...networkPolicies(),
        ...secretsPolicies(),
        ...monitoringPolicies(),
        ...storagePolicies(),
        ...identityPolicies(),
        ...backupPolicies(),
    ].map(withSchemaDefaults);
}
