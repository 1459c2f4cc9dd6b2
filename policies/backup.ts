// Database backup rules (CL-09): a backup CronJob never runs twice at once, so two dumps cannot
// pile load on the database or race each other to the same day's key.
import type { StackValidationPolicy } from "@pulumi/policy";

const CRONJOB = "kubernetes:batch/v1:CronJob";
const BACKUP_COMPONENT = "backup";

export function backupConcurrencyForbid(): StackValidationPolicy {
    return {
        name: "backup-cronjob-forbid-concurrency",
        description: "A backup CronJob must set concurrencyPolicy to Forbid.",
        validateStack: (args, report) => {
            const jobs = args.resources.filter(
                (r) =>
                    r.type === CRONJOB &&
                    r.props.metadata?.labels?.["app.kubernetes.io/component"] === BACKUP_COMPONENT,
            );
            if (jobs.length === 0) args.notApplicable("no backup CronJob in the stack");
            for (const j of jobs) {
                const policy = j.props.spec?.concurrencyPolicy;
                if (policy !== "Forbid") {
                    report(
                        `Backup CronJob ${String(j.props.metadata?.name ?? j.name)} concurrencyPolicy must be Forbid (got ${policy === undefined ? "not set" : JSON.stringify(policy)})`,
                        j.urn,
                    );
                }
            }
        },
    };
}

export function backupPolicies() {
    return [backupConcurrencyForbid()];
}
