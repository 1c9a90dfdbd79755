SELECT
    CAST(w.started_at AS DATE) AS d_day,
    w.campaign_id AS d_campaign,
    sum(CASE WHEN (w.n24 > 5 OR w.n5 > 3) THEN 1 ELSE 0 END) AS over_cap_calls,
    sum(CASE WHEN (w.ab_before > 0) THEN 1 ELSE 0 END) AS recall_after_abandon_72h
FROM (
    SELECT
        rollup_callee_windows.call_id AS call_id,
        rollup_callee_windows.callee_id AS callee_id,
        rollup_callee_windows.agent_id AS agent_id,
        rollup_callee_windows.campaign_id AS campaign_id,
        rollup_callee_windows.caller_number AS caller_number,
        rollup_callee_windows.callee_province AS callee_province,
        rollup_callee_windows.started_at AS started_at,
        rollup_callee_windows.disposition AS disposition,
        rollup_callee_windows.n24 AS n24,
        rollup_callee_windows.n5 AS n5,
        CASE WHEN (rollup_callee_windows.since_abandon IS NOT NULL AND rollup_callee_windows.since_abandon <= 259200) THEN 1 ELSE 0 END AS ab_before
    FROM rollup_callee_windows
    WHERE
        rollup_callee_windows.started_at >= '2025-08-29 00:00:00'
        AND rollup_callee_windows.started_at < '2025-10-01 00:00:00'
) AS w
WHERE
    w.started_at >= '2025-09-01 00:00:00'
GROUP BY
    CAST(w.started_at AS DATE),
    w.campaign_id
