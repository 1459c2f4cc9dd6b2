// The one network rule for data stores (CL-19): a security group whose only ingress is the store's
// port from the app security group. Shared by the database and the cache so they cannot diverge.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Tag on a data store's security group naming the app security group it admits. */
export const APP_SECURITY_GROUP_TAG = "release/app-security-group";

export interface AppOnlySecurityGroupArgs {
    /** Security group name in AWS. */
    readonly groupName: string;
    readonly description: string;
    readonly vpcId: string;
    readonly appSecurityGroupId: string;
    readonly port: number;
    /** Description of the ingress rule. */
    readonly ruleDescription: string;
    readonly tags: Record<string, string>;
}

/** Creates `${name}-sg` and its single ingress rule `${name}-from-app` under `parent`. */
export function appOnlySecurityGroup(
    name: string,
    args: AppOnlySecurityGroupArgs,
    parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
            name: args.groupName,
            description: args.description,
            vpcId: args.vpcId,
            // Declares the one allowed source, so the policy pack checks every stack against its
            // own app security group without a per-stack pack config.
            tags: { ...args.tags, [APP_SECURITY_GROUP_TAG]: args.appSecurityGroupId },
        },
        { parent },
    );
    // A separate rule resource (not inline ingress) so rules can be reviewed and changed alone.
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-app`,
        {
            securityGroupId: group.id,
            referencedSecurityGroupId: args.appSecurityGroupId,
            ipProtocol: "tcp",
            fromPort: args.port,
            toPort: args.port,
            description: args.ruleDescription,
            tags: args.tags,
        },
        { parent },
    );
    return group;
}
