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
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = calls.campaign_id
    LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND calls.direction = 'out'
    AND calls.disposition = 'answered'
    AND c.purpose IN ('marketing')
    AND coalesce(calls.recorded, false) = false
    AND a.team = 'T1'
ORDER BY
    calls.started_at DESC,
    calls.call_id DESC
LIMIT 50
OFFSET 50
