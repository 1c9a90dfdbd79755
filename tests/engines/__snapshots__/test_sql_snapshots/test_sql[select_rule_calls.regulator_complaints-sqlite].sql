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
    calls.call_id IN (
        SELECT
            complaints.call_id
        FROM complaints
        WHERE
            complaints.channel IN ('12321', 'miit')
            AND complaints.call_id IS NOT NULL
            AND complaints.received_at >= '2025-09-01 00:00:00.000000'
            AND complaints.received_at < '2025-10-01 00:00:00.000000'
    )
    AND calls.campaign_id = 'C2'
ORDER BY
    calls.started_at DESC,
    calls.call_id DESC
LIMIT 50
OFFSET 50
