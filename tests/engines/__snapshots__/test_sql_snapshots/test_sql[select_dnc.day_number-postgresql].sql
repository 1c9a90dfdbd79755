SELECT
    CAST(calls.started_at AS DATE) AS d_day,
    calls.caller_number AS d_caller_number,
    count(*) AS dnc_calls
FROM calls
    JOIN (
        SELECT
            dnc.callee_id AS callee_id,
            min(dnc.added_at) AS first_added
        FROM dnc
        GROUP BY
            dnc.callee_id
    ) AS dn ON dn.callee_id = calls.callee_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
    AND calls.direction = 'out'
    AND calls.started_at > dn.first_added
GROUP BY
    CAST(calls.started_at AS DATE),
    calls.caller_number
