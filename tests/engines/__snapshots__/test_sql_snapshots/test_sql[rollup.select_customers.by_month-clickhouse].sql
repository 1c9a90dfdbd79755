SELECT
    sum(`rollup_customer_months`.`r01`) AS `reached_01`,
    sum(`rollup_customer_months`.`e01`) AS `effective_01`,
    sum(`rollup_customer_months`.`r02`) AS `reached_02`,
    sum(`rollup_customer_months`.`e02`) AS `effective_02`,
    sum(`rollup_customer_months`.`r03`) AS `reached_03`,
    sum(`rollup_customer_months`.`e03`) AS `effective_03`
FROM `rollup_customer_months`
WHERE
    `rollup_customer_months`.`year` = 2025
