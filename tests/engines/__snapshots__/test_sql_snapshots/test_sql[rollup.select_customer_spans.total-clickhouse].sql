SELECT
    `rollup_customer_spans`.`first_month` AS `month`,
    `rollup_customer_spans`.`reached`,
    `rollup_customer_spans`.`effective`
FROM `rollup_customer_spans`
WHERE
    `rollup_customer_spans`.`year` = 2025
    AND `rollup_customer_spans`.`first_month` = 1
    AND `rollup_customer_spans`.`last_month` = 12
ORDER BY
    `rollup_customer_spans`.`first_month`
