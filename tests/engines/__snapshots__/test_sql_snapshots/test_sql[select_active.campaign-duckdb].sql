SELECT
    u.d_campaign,
    count(DISTINCT u.agent_id) AS active_agents,
    count(DISTINCT CASE WHEN (a2.employment = 'outsourced') THEN u.agent_id ELSE NULL END) AS outsourced_agents
FROM (
    SELECT DISTINCT
        calls.campaign_id AS d_campaign,
        calls.agent_id AS agent_id
    FROM calls
    WHERE
        calls.started_at >= '2025-09-01 00:00:00'
        AND calls.started_at < '2025-10-01 00:00:00'
        AND calls.agent_id IS NOT NULL
        AND coalesce(calls.robot, false) = false
) AS u
    LEFT OUTER JOIN agents AS a2 ON a2.agent_id = u.agent_id
GROUP BY
    u.d_campaign
