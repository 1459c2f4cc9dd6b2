// release:monitoring.extraAlerts: the runbooks' own alerts, rendered into the same PrometheusRule
// as the catalogue, refused on a catalogue name, and checked by promtool at plan time.
import * as assert from "assert";
import { extraAlertProblems, promtoolCheckRules } from "../config/promtool";
import type { AlertingRule, RuleGroup } from "../decisions/alertRules";
import { metricSourceProblems } from "../scripts/lib/metricSources";
import type { Plan } from "../scripts/lib/plan";
import { byType, configProblems, planStack } from "./helpers";

const hasPromtool = promtoolCheckRules([]).checked;

const WS_DROP = {
    name: "WebSocketConnectionsDropped",
    expr: 'sum by (namespace, job) (nova_streaming_websocket_connections{job="nova-api",namespace="nova-prod"}) < 0.7 * max_over_time(sum by (namespace, job) (nova_streaming_websocket_connections{job="nova-api",namespace="nova-prod"})[10m:1m])',
    for: "2m",
    severity: "critical",
    summary: "{{ $labels.job }}: WebSocket connections dropped by over 30 %",
    description:
        "{{ $labels.job }} holds {{ $value }} WebSocket connections, under 70 % of its peak in the last 10m.",
};
const NOVA_ERRORS = {
    name: "NovaHttpErrors",
    expr: 'sum by (namespace, job) (rate(nova_http_errors_total{job="nova-api",namespace="nova-prod"}[5m])) > 1',
    severity: "warning",
    summary: "{{ $labels.job }}: {{ $value }} errors/s",
    description: "nova_http_errors_total grows by {{ $value }}/s.",
    runbookUrl: "https://wiki.example.com/nova/errors",
};
const APP_METRICS = [
    { name: "nova_streaming_websocket_connections", type: "gauge", help: "Open WebSockets." },
    { name: "nova_http_errors_total", type: "counter", help: "Errors the API returned." },
];

const withExtras =
    (extraAlerts: unknown[], appMetrics: unknown[] = APP_METRICS) =>
    (c: Record<string, any>) => {
        c.monitoring.extraAlerts = extraAlerts;
        c.monitoring.appMetrics = appMetrics;
    };

const groupsOf = (plan: Plan): RuleGroup[] =>
    (byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0].inputs as any).spec
        .groups;

describe("extra alerts (release:monitoring.extraAlerts)", () => {
    let plan: Plan;
    before(async () => (plan = await planStack("prod", withExtras([WS_DROP, NOVA_ERRORS]))));

    it("lands in the same PrometheusRule with the catalogue's labels, team and runbook links", () => {
        const rules = byType(plan, "kubernetes:monitoring.coreos.com/v1:PrometheusRule");
        assert.equal(rules.length, 1);
        const groups = groupsOf(plan);
        const extra = groups.find((g) => g.name === "nova-api.extra");
        assert.ok(extra, groups.map((g) => g.name).join());
        const [ws, errors] = extra.rules as AlertingRule[];
        assert.deepEqual(ws, {
            alert: "WebSocketConnectionsDropped",
            expr: WS_DROP.expr,
            for: "2m",
            labels: { severity: "critical", team: "nova-platform" },
            annotations: {
                summary: WS_DROP.summary,
                description: WS_DROP.description,
                runbook_url: "https://runbooks.nova.example.com/alerts/WebSocketConnectionsDropped",
            },
        });
        assert.equal(errors.for, "5m", "for defaults to 5m");
        assert.equal(errors.annotations.runbook_url, "https://wiki.example.com/nova/errors");
        // The catalogue is still all there.
        assert.ok(groups.some((g) => g.name === "nova-api.data"));
    });

    it("has no extra group without extra alerts", async () => {
        const base = await planStack("prod", (c) => {
            delete c.monitoring.extraAlerts;
            delete c.monitoring.appMetrics;
        });
        assert.ok(!groupsOf(base).some((g) => g.name.endsWith(".extra")));
    });

    it("reads app metrics the stack declares; an undeclared one fails the drift check", () => {
        const ok = metricSourceProblems({
            plan,
            appName: "nova-api",
            appMetrics: APP_METRICS.map((m) => m.name),
        });
        assert.deepEqual(ok, []);
        const missing = metricSourceProblems({ plan, appName: "nova-api" });
        assert.ok(
            missing.includes(
                "nova-api.extra: alert NovaHttpErrors reads nova_http_errors_total, which is not in the metrics catalogue",
            ),
            missing.join("\n"),
        );
    });

    describe("refuses", () => {
        const cases: [string, unknown[], string][] = [
            [
                "a catalogue alert's name",
                [{ ...NOVA_ERRORS, name: "HighErrorRate" }],
                'release:monitoring.extraAlerts[0].name must not reuse the name of catalogue alert AL-01; tune HighErrorRate under release:monitoring.alerts or pick another name (got "HighErrorRate")',
            ],
            [
                "two extra alerts with one name",
                [NOVA_ERRORS, { ...WS_DROP, name: "NovaHttpErrors" }],
                'release:monitoring.extraAlerts[1].name must be unique: release:monitoring.extraAlerts[0] already has it (got "NovaHttpErrors")',
            ],
            [
                "a name that is not UpperCamelCase",
                [{ ...NOVA_ERRORS, name: "nova-errors" }],
                'release:monitoring.extraAlerts[0].name must be an UpperCamelCase alert name such as CircuitBreakerOpen (got "nova-errors")',
            ],
            [
                "a severity outside the catalogue's",
                [{ ...NOVA_ERRORS, severity: "page" }],
                'release:monitoring.extraAlerts[0].severity must be one of warning, critical (got "page")',
            ],
            [
                "an alert without a summary",
                [{ ...NOVA_ERRORS, summary: " " }],
                'release:monitoring.extraAlerts[0].summary must be a one-line summary (got " ")',
            ],
            [
                "a runbook over plain http",
                [{ ...NOVA_ERRORS, runbookUrl: "http://wiki/x" }],
                'release:monitoring.extraAlerts[0].runbookUrl must be an https URL (got "http://wiki/x")',
            ],
        ];
        for (const [what, extras, message] of cases) {
            it(what, async () => {
                assert.deepEqual(await configProblems("prod", withExtras(extras)), [message]);
            });
        }
    });

    describe("promtool at plan time", function () {
        before(function () {
            if (!hasPromtool) {
                if (process.env.CI === "true") throw new Error("promtool must be installed in CI");
                console.warn("\n  !!!!! SKIPPED: promtool is not installed\n");
                this.skip();
            }
        });

        it("rejects a bad expression as a config error naming the alert, before any resource", async () => {
            const problems = await configProblems(
                "prod",
                withExtras([
                    NOVA_ERRORS,
                    { ...WS_DROP, expr: "sum(rate(nova_http_errors_total[5m])" },
                ]),
            );
            assert.deepEqual(problems, [
                'release:monitoring.extraAlerts[1].expr of alert WebSocketConnectionsDropped must be accepted by promtool check rules, which says: could not parse expression: 1:37: parse error: unclosed left parenthesis (got "sum(rate(nova_http_errors_total[5m])")',
            ]);
        });

        it("rejects a broken annotation template under its own key", async () => {
            const problems = await configProblems(
                "prod",
                withExtras([{ ...NOVA_ERRORS, summary: "{{ $labels.job " }]),
            );
            assert.equal(problems.length, 1);
            assert.match(
                problems[0],
                /^release:monitoring\.extraAlerts\[0\]\.summary of alert NovaHttpErrors must be accepted by promtool check rules, which says: annotation "summary": template: .*unclosed action/,
            );
        });

        it("gives a remembered verdict again, as a copy its caller cannot spoil", () => {
            const groups = [{ name: "x.extra", rules: [{ alert: "A", expr: "sum(" }] }];
            const first = promtoolCheckRules(groups);
            assert.ok(first.checked);
            assert.equal(first.rejections.length, 1);
            first.rejections.pop();
            const again = promtoolCheckRules(structuredClone(groups));
            assert.ok(again.checked);
            assert.deepEqual(
                again.rejections.map((r) => [r.group, r.rule, r.name]),
                [["x.extra", 1, "A"]],
            );
            // A fixed rule is a new file: promtool's own verdict, not the remembered one.
            const fixed = promtoolCheckRules([
                { ...groups[0], rules: [{ alert: "A", expr: "1" }] },
            ]);
            assert.deepEqual(fixed.checked && fixed.rejections, []);
        });
    });

    it("says loudly that nothing was checked when promtool is missing, and does not fail", () => {
        // Checked once with promtool on PATH (when it is there): that verdict must not answer now.
        extraAlertProblems(
            [{ name: "x.extra", rules: [{ alert: "A", expr: "sum(" }] }],
            [{ name: "A", expr: "sum(" }],
            "x.extra",
        );
        const path = process.env.PATH;
        process.env.PATH = "/nonexistent";
        try {
            const r = extraAlertProblems(
                [{ name: "x.extra", rules: [{ alert: "A", expr: "sum(" }] }],
                [{ name: "A", expr: "sum(" }],
                "x.extra",
            );
            assert.deepEqual(r.problems, []);
            assert.match(
                r.warning ?? "",
                /^promtool could not run .*: the PromQL of release:monitoring\.extraAlerts \(A\) was NOT checked\. Install promtool/,
            );
        } finally {
            process.env.PATH = path;
        }
    });
});
