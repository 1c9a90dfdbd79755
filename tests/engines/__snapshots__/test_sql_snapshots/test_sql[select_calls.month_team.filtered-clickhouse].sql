SELECT
    toStartOfMonth(`calls`.`started_at`) AS `d_month`,
    `a`.`team` AS `d_team`,
    sum(CASE WHEN (`calls`.`direction` = 'out') THEN 1 ELSE 0 END) AS `outbound_calls`,
    sum(CASE WHEN (`calls`.`direction` = 'out' AND `calls`.`disposition` = 'answered') THEN 1 ELSE 0 END) AS `connected_calls`,
    sum(CASE WHEN (`calls`.`direction` = 'out' AND `calls`.`disposition` = 'answered' AND `calls`.`talk_seconds` >= 30 AND `calls`.`two_way_voice`) THEN 1 ELSE 0 END) AS `effective_calls`,
    sum(CASE WHEN (`calls`.`direction` = 'out' AND `calls`.`disposition` = 'answered') THEN `calls`.`talk_seconds` ELSE 0 END) AS `talk_seconds_connected_out`,
    sum(CASE WHEN (`calls`.`agent_id` IS NOT NULL AND coalesce(`calls`.`robot`, false) = false) THEN coalesce(`calls`.`talk_seconds`, 0) + coalesce(`calls`.`wrap_seconds`, 0) ELSE 0 END) AS `handle_seconds`
FROM `calls`
    LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `calls`.`agent_id`
WHERE
    `calls`.`started_at` >= '2025-09-01 00:00:00'
    AND `calls`.`started_at` < '2025-10-01 00:00:00'
    AND (`a`.`site_id` IN ('S1') AND `a`.`team` IN ('T1') OR `calls`.`agent_id` IS NULL AND `calls`.`campaign_id` IN (
        SELECT DISTINCT
            `kf`.`campaign_id`
        FROM `calls` AS `kf`
            INNER JOIN `agents` AS `af` ON `af`.`agent_id` = `kf`.`agent_id`
        WHERE
            `kf`.`started_at` >= '2025-09-01 00:00:00'
            AND `kf`.`started_at` < '2025-10-01 00:00:00'
            AND `af`.`site_id` IN ('S1')
            AND `af`.`team` IN ('T1')
    ))
    AND `calls`.`campaign_id` IN ('C1', 'C2')
GROUP BY
    `d_month`,
    `d_team`
