SELECT
    sum(CASE WHEN (bitAnd(`rollup_customer_months`.`rmask`, 4095) != 0) THEN 1 ELSE 0 END) AS `reached_customers`,
    sum(CASE WHEN (bitAnd(`rollup_customer_months`.`emask`, 4095) != 0) THEN 1 ELSE 0 END) AS `effective_customers`
FROM `rollup_customer_months`
WHERE
    `rollup_customer_months`.`year` = 2025
