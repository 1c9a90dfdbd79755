SELECT
    CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER) AS d_hour,
    isodow(calls.started_at) AS d_weekday,
    a.site_id AS d_site,
    calls.agent_id AS d_agent,
    c.purpose AS d_purpose,
    c.client AS d_client,
    calls.caller_number AS d_caller_number,
    calls.callee_province AS d_callee_province,
    sum(CASE WHEN (calls.direction = 'out') THEN 1 ELSE 0 END) AS outbound_calls,
    sum(CASE WHEN (calls.direction = 'in') THEN 1 ELSE 0 END) AS inbound_calls
FROM calls
    LEFT OUTER JOIN agents AS a ON a.agent_id = calls.agent_id
    LEFT OUTER JOIN campaigns AS c ON c.campaign_id = calls.campaign_id
WHERE
    calls.started_at >= '2025-09-01 00:00:00'
    AND calls.started_at < '2025-10-01 00:00:00'
GROUP BY
    CAST(EXTRACT(hour FROM calls.started_at) AS INTEGER),
    isodow(calls.started_at),
    a.site_id,
    calls.agent_id,
    c.purpose,
    c.client,
    calls.caller_number,
    calls.callee_province
