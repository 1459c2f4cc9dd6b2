// Entry point the Pulumi engine runs for `--policy-pack policies`.
import { PolicyPack } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { enforcementLevel: DEFAULT_ENFORCEMENT, policies: policies() });
