// Config section for the cluster's identity provider: pod identities (IAM roles for
// ServiceAccounts) trust this OIDC provider and nothing else.
import { z } from "zod";
import { pattern } from "./rules";

/** arn:<partition>:iam::<account>:oidc-provider/<issuer host and path>. */
export const OIDC_PROVIDER_ARN =
    /^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider\/([a-z0-9.-]+(\/[A-Za-z0-9._-]+)*)$/;

export const clusterSchema = z.strictObject({
    /** The EKS cluster's IAM OIDC provider (no default): every pod identity's role trusts it. */
    oidcProviderArn: pattern(
        OIDC_PROVIDER_ARN,
        "an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    ),
});

export const identitySections = {
    cluster: clusterSchema.optional(),
};

export type ClusterConfig = z.output<typeof clusterSchema>;
