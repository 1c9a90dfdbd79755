SELECT
    toDate(`rollup_dnc_daily`.`started_at`) AS `d_day`,
    sum(`rollup_dnc_daily`.`dnc_calls`) AS `dnc_calls`
FROM `rollup_dnc_daily`
    LEFT OUTER JOIN `agents` AS `a` ON `a`.`agent_id` = `rollup_dnc_daily`.`agent_id`
WHERE
    `rollup_dnc_daily`.`started_at` >= '2025-09-01 00:00:00'
    AND `rollup_dnc_daily`.`started_at` < '2025-10-01 00:00:00'
    AND (`a`.`site_id` IN ('S1') AND `a`.`team` IN ('T1') OR `rollup_dnc_daily`.`agent_id` IS NULL AND `rollup_dnc_daily`.`campaign_id` IN (
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
    AND `rollup_dnc_daily`.`campaign_id` IN ('C1', 'C2')
GROUP BY
    `d_day`
