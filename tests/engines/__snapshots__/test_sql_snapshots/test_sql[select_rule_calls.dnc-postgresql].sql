SELECT
    calls.call_id,
    calls.started_at,
    calls.campaign_id,
    calls.agent_id,
    calls.caller_number,
    calls.callee_id,
    calls.callee_province,
    calls.disposition
FROM calls
    LEFT OUTER JOIN (
        SELECT
            dnc.callee_id AS callee_id,
            min(dnc.added_at) AS first_added
        FROM dnc
        GROUP BY
            dnc.callee_id
    ) AS dn ON dn.callee_id = calls.callee_id
    LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND calls.direction = 'out'
    AND calls.started_at > dn.first_added
    AND a.team = 'T1'
ORDER BY
    calls.started_at DESC,
    calls.call_id DESC
LIMIT 50
OFFSET 50
