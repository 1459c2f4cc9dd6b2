// Pure builders for where a data store lives on the network: its subnet group in the private
// subnets, and the security group that admits the store's port from the app security group only.
// The database and the cache both take theirs from here, so the two cannot drift apart.
import type { NetworkConfig } from "../config/data";

/** The engines a data store runs, and the suffix of its security group's name. */
export const STORE_GROUP_SUFFIX = { PostgreSQL: "db", Redis: "cache" } as const;
export type StoreEngine = keyof typeof STORE_GROUP_SUFFIX;

/** The store's subnet group: the private subnets only, named after the store. */
export function privateSubnetGroupArgs(id: string, network: NetworkConfig) {
    return {
        name: `${id}-subnets`,
        description: `Private subnets for ${id}`,
        subnetIds: network.privateSubnetIds,
    };
}

/** The store's security group: its one port, reachable from the app security group alone. */
export function appOnlyAccessArgs(
    engine: StoreEngine,
    id: string,
    port: number,
    network: NetworkConfig,
) {
    return {
        groupName: `${id}-${STORE_GROUP_SUFFIX[engine]}`,
        description: `${engine} ${id}: reachable only from the app security group`,
        vpcId: network.vpcId,
        appSecurityGroupId: network.appSecurityGroupId,
        port,
        ruleDescription: `${engine} from the app`,
    };
}
