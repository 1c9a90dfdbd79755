SELECT
    `calls`.`call_id`,
    `calls`.`started_at`,
    `calls`.`campaign_id`,
    `calls`.`agent_id`,
    `calls`.`caller_number`,
    `calls`.`callee_id`,
    `calls`.`callee_province`,
    `calls`.`disposition`
FROM `calls`
    LEFT OUTER JOIN `numbers` AS `n` ON `n`.`number` = `calls`.`caller_number`
WHERE
    `calls`.`started_at` >= '2025-09-01 00:00:00'
    AND `calls`.`started_at` < '2025-10-01 00:00:00'
    AND `calls`.`direction` = 'out'
    AND (`n`.`number` IS NULL OR coalesce(`n`.`registered`, false) = false OR `n`.`allocated_on` IS NOT NULL AND toDate(`calls`.`started_at`) < toDate(`n`.`allocated_on`) OR `n`.`released_on` IS NOT NULL AND toDate(`calls`.`started_at`) > toDate(`n`.`released_on`))
    AND `calls`.`caller_number` = '95000'
ORDER BY
    `calls`.`started_at` DESC,
    `calls`.`call_id` DESC
LIMIT 50
OFFSET 50
