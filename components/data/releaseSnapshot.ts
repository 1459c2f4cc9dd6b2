import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { releaseSnapshotId } from "../../decisions/dataNaming";
import { releaseSnapshotArgs } from "../../decisions/dataTier";

export interface ReleaseSnapshotArgs {
    /** The primary to snapshot (no default). */
    readonly instance: aws.rds.Instance;
    /** RDS identifier of that primary; the snapshot id derives from it (no default). */
    readonly dbIdentifier: string;
    /** Release version the snapshot precedes (no default). */
    readonly version: string;
    /** Tags on the snapshot; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * The manual snapshot taken before a version first runs against the database (CL-10),
 * `<db>-pre-<version>`. Keyed by version, not colour, so a promotion or a weight change
 * leaves it alone. `retainOnDelete` keeps it in AWS after its version leaves the program.
 */
export class ReleaseSnapshot extends pulumi.ComponentResource {
    public readonly snapshot: aws.rds.Snapshot;
    /** The RDS snapshot identifier, the value `release:database.restoreFromSnapshot` takes. */
    public readonly snapshotId: string;

    constructor(name: string, args: ReleaseSnapshotArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:ReleaseSnapshot", name, {}, opts);
        this.snapshotId = releaseSnapshotId(args.dbIdentifier, args.version);
        this.snapshot = new aws.rds.Snapshot(
            `${name}-snapshot`,
            releaseSnapshotArgs(
                args.instance.identifier,
                args.dbIdentifier,
                args.version,
                args.tags,
            ),
            // Kept in AWS after its version leaves the program: it is the way back.
            { parent: this, retainOnDelete: true },
        );
        this.registerOutputs({ snapshotId: this.snapshotId });
    }
}
