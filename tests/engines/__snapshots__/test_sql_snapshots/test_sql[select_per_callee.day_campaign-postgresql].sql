SELECT
    CAST(w.started_at AS DATE) AS d_day,
    w.campaign_id AS d_campaign,
    sum(CASE WHEN (w.n24 > 5 OR w.n5 > 3) THEN 1 ELSE 0 END) AS over_cap_calls,
    sum(CASE WHEN (w.ab_before > 0) THEN 1 ELSE 0 END) AS recall_after_abandon_72h
FROM (
    SELECT
        k0.call_id AS call_id,
        k0.callee_id AS callee_id,
        k0.agent_id AS agent_id,
        k0.campaign_id AS campaign_id,
        k0.caller_number AS caller_number,
        k0.callee_province AS callee_province,
        k0.started_at AS started_at,
        k0.disposition AS disposition,
        k0.ep AS ep,
        count(*) OVER (PARTITION BY k0.callee_id ORDER BY k0.ep RANGE BETWEEN 86399 PRECEDING AND CURRENT ROW) - (count(*) OVER (PARTITION BY k0.callee_id, k0.ep) - row_number() OVER (PARTITION BY k0.callee_id, k0.ep ORDER BY k0.call_id)) AS n24,
        count(*) OVER (PARTITION BY k0.callee_id ORDER BY k0.ep RANGE BETWEEN 299 PRECEDING AND CURRENT ROW) - (count(*) OVER (PARTITION BY k0.callee_id, k0.ep) - row_number() OVER (PARTITION BY k0.callee_id, k0.ep ORDER BY k0.call_id)) AS n5,
        coalesce(sum(CASE WHEN (k0.disposition = 'abandoned') THEN 1 ELSE 0 END) OVER (PARTITION BY k0.callee_id ORDER BY k0.ep RANGE BETWEEN 259200 PRECEDING AND 1 PRECEDING), 0) AS ab_before
    FROM (
        SELECT
            calls.call_id AS call_id,
            calls.callee_id AS callee_id,
            calls.agent_id AS agent_id,
            calls.campaign_id AS campaign_id,
            calls.caller_number AS caller_number,
            calls.callee_province AS callee_province,
            calls.started_at AS started_at,
            calls.disposition AS disposition,
            CAST(EXTRACT(epoch FROM calls.started_at) AS BIGINT) AS ep
        FROM calls
        WHERE
            calls.direction = 'out'
            AND calls.callee_id IS NOT NULL
            AND calls.started_at >= '2025-08-29 00:00:00'
            AND calls.started_at < '2025-10-01 00:00:00'
            AND calls.callee_id IN (
                SELECT
                    calls.callee_id
                FROM calls
                WHERE
                    calls.direction = 'out'
                    AND calls.callee_id IS NOT NULL
                    AND calls.started_at >= '2025-08-29 00:00:00'
                    AND calls.started_at < '2025-10-01 00:00:00'
                GROUP BY
                    calls.callee_id
                HAVING
                    count(*) > 3 OR count(*) >= 2
                    AND sum(CASE WHEN (calls.disposition = 'abandoned') THEN 1 ELSE 0 END) > 0
            )
    ) AS k0
) AS w
WHERE
    w.started_at >= '2025-09-01 00:00:00'
GROUP BY
    CAST(w.started_at AS DATE),
    w.campaign_id
