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
WHERE
    calls.started_at >= '2025-09-01 00:00:00.000000'
    AND calls.started_at < '2025-10-01 00:00:00.000000'
    AND calls.direction = 'out'
    AND calls.callee_province IS NOT NULL
    AND (calls.callee_province NOT IN ('上海', '北京'))
    AND calls.callee_province = '新疆'
ORDER BY
    calls.started_at DESC,
    calls.call_id DESC
LIMIT 50
OFFSET 50
