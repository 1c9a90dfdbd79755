SELECT
    date_format(complaints.received_at, '%%Y-%%m') AS d_month,
    complaints.caller_number AS d_caller_number,
    k.campaign_id AS d_campaign,
    count(*) AS complaints,
    sum(CASE WHEN (complaints.channel IN ('12321', 'miit')) THEN 1 ELSE 0 END) AS regulator_complaints,
    sum(CASE WHEN (complaints.replied_at IS NOT NULL) THEN 1 ELSE 0 END) AS complaints_replied
FROM complaints
    LEFT OUTER JOIN calls AS k ON k.call_id = complaints.call_id
WHERE
    complaints.received_at >= '2025-09-01 00:00:00'
    AND complaints.received_at < '2025-10-01 00:00:00'
GROUP BY
    date_format(complaints.received_at, '%%Y-%%m'),
    complaints.caller_number,
    k.campaign_id
